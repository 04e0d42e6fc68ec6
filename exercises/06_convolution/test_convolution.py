"""Checks of exercise 06, each comparing your convolution.py with PyTorch.

Run only these:  pytest exercises/06_convolution        Hints:  pytest exercises/06_convolution --hints
The checks themselves live in grader/checks/convolution.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_convolve2d_matches_torch = check_test("06_convolution", "convolve2d_matches_torch")
test_convolve2d_keeps_float32 = check_test("06_convolution", "convolve2d_keeps_float32")
test_conv2d_matches_torch = check_test("06_convolution", "conv2d_matches_torch")
test_conv2d_padding_and_stride_match_torch = check_test("06_convolution", "conv2d_padding_and_stride_match_torch")
test_conv2d_keeps_float32 = check_test("06_convolution", "conv2d_keeps_float32")

run_when_executed(__name__, __file__)
