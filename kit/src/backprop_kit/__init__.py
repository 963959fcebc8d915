"""backprop_kit: what a student of 情報管理 第11回 (誤差逆伝播法) installs, and all a grading kernel can import.

It holds the helpers the notebooks use (datasets without held-out data, plots with Japanese labels, gradient
checking, a tiny scalar autodiff, initialisers and optimisers) and the notebooks' tests (`backprop_kit.testing`):
the inputs each test builds and what it asks of the student's code. It holds no answer to any exercise and no
grader: the verdict on a test is made by the instructor's grader, outside the student's kernel.
"""
