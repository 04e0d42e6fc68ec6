"""Burns CPU forever: the wall clock or RLIMIT_CPU must stop it."""

while True:
    pass
