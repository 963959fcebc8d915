"""A network with hand-chosen weights (notebook 11_01): one sigmoid hidden layer, and the predicted classes.

    net = HandNetwork(W_mid, b_mid, W_out, b_out)
    net.hidden(x)      the hidden layer's outputs h (N, J), the "flags" h_j = sigmoid(g_j)
    net.predict(x)     the predicted classes (N,): for each sample the k with the largest z_k = (h W_out^T + b_out)_k
    net.accuracy(x, y) the share of samples whose predicted class is y

It gives no probabilities: the output layer's softmax is the student's exercise (`forward` of 11_01), and the
predicted class does not need it (softmax keeps the order of the z_k).
"""
import numpy as np
from scipy.special import expit


class HandNetwork:
    def __init__(self, W_mid, b_mid, W_out, b_out):
        self.W_mid = np.array(W_mid, dtype=np.float64)
        self.b_mid = np.array(b_mid, dtype=np.float64)
        self.W_out = np.array(W_out, dtype=np.float64)
        self.b_out = np.array(b_out, dtype=np.float64)

    def hidden(self, x):
        """h (N, J) for the points x (N, D)."""
        return expit(np.asarray(x, dtype=np.float64) @ self.W_mid.T + self.b_mid)

    def predict(self, x):
        """The predicted classes (N,) for the points x (N, D)."""
        return np.argmax(self.hidden(x) @ self.W_out.T + self.b_out, axis=1)

    def accuracy(self, x, y):
        """The share of the points x whose predicted class is the label y (N,)."""
        return float(np.mean(self.predict(x) == np.asarray(y)))
