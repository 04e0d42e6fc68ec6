"""Loading a learner's exercise module: the one way both runners do it.

The pytest runner loads it in-process and the grader's worker inside the sandbox, so this
module, like ``grader.calling``, imports only the standard library and NumPy; the grader copies
it into the worker's runtime. Each runner reports a module that did not load in its own words.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

from grader.calling import (
    FORBIDDEN_IMPORT,
    IMPORT_FAILED,
    OK,
    LearnerImportError,
    LearnerModules,
    LearnerSource,
    forbidden_imports,
    forbidden_message,
    forbidden_user,
)


@dataclass(frozen=True)
class LoadedExercise:
    """An exercise's module, or why it was not loaded.

    ``status`` is ``OK`` (``module`` is set), ``FORBIDDEN_IMPORT`` or ``IMPORT_FAILED`` (then
    ``message`` says why, and ``failed_exercise`` is the exercise whose file failed to import,
    an earlier one when this module imports it).
    """

    source: LearnerSource | None
    shown: str  # the learner's file as the learner would type it; "" when there is none
    status: str = OK
    module: types.ModuleType | None = None
    message: str = ""
    failed_exercise: str | None = None


def load_exercise(modules: LearnerModules, exercise: str) -> LoadedExercise:
    """Find ``exercise``'s code, refuse it if it imports a forbidden library, else import it.

    Raises ``LearnerImportError`` when the code cannot even be read (a damaged notebook). A
    missing file is still imported, so that the import system's message says it is missing.
    """
    source = modules.source(exercise)
    shown = modules.display(source.origin) if source is not None else ""
    banned = forbidden_imports(source.text) if source is not None else []
    if banned:
        message = forbidden_message(f"{shown} imports", banned, forbidden_user(source.text, str(source.origin)))
        return LoadedExercise(source, shown, FORBIDDEN_IMPORT, message=message)
    try:
        module = modules.load(exercise)
    except LearnerImportError as error:
        message = f"{shown or exercise} could not be imported: {error}"
        return LoadedExercise(source, shown, IMPORT_FAILED, message=message, failed_exercise=error.exercise)
    return LoadedExercise(source, shown, module=module)
