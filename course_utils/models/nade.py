"""Neural autoregressive density estimators: NADE for binary data, RealNADE for real data.

NADE (Larochelle & Murray, 2011) writes p(x) = prod_i p(x_i | x_<i) with

    h_i = sigmoid(a_i),   a_i = c + W[:, <i] x_<i,          (eq. 3)
    p(x_i = 1 | x_<i) = sigmoid(b_i + V[i] . h_i).          (eq. 2)

All conditionals share W and c, so a_i = a_{i-1} + W[:, i-1] x_{i-1}: the
whole log-likelihood costs O(H D) per example (section 3). Here the
recurrence is one ``torch.cumsum`` inside a hand-written autograd function
(``_NADEConditionals``) whose backward pass is the reverse recurrence.

RealNADE (RNADE, Uria, Murray & Larochelle, 2013) keeps the same hidden
recurrence and replaces each Bernoulli by a mixture of K Gaussians.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["NADE", "RealNADE", "build_from_recipe", "train_from_recipe"]


# ----------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------


def _check_positive_int(value, name: str, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int; got {value!r}")


def _check_batch(x, n_dims: int, where: str, *, binary: bool) -> None:
    kind = "values in {0, 1}" if binary else "real values"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where} expects x as a torch.Tensor of shape (batch, {n_dims}); "
                        f"got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{where} expects x as a floating-point tensor (float32 or float64) "
                        f"with {kind}; got dtype {x.dtype}")
    if x.dim() != 2 or x.shape[1] != n_dims:
        raise ValueError(f"{where} expects x with {kind} and shape (batch, {n_dims}); "
                         f"got shape {tuple(x.shape)}")
    if binary and not ((x == 0) | (x == 1)).all():
        bad = x[(x != 0) & (x != 1)][0].item()
        raise ValueError(f"{where} expects x with values in {{0, 1}} and shape (batch, {n_dims}); "
                         f"got a value {bad!r}")
    if not binary and not torch.isfinite(x).all():
        raise ValueError(f"{where} expects x with finite real values; got NaN or inf")


def _check_ordering(ordering, n_dims: int, where: str) -> torch.Tensor:
    order = torch.as_tensor(ordering, dtype=torch.long).flatten()
    if order.numel() != n_dims or not torch.equal(order.sort().values, torch.arange(n_dims)):
        raise ValueError(f"{where}: ordering must be a permutation of range({n_dims}); "
                         f"got {list(order.tolist())[:12]}{' ...' if order.numel() > 12 else ''}")
    return order


def _check_n(n, generator, where: str) -> None:
    _check_positive_int(n, "n", where)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"{where}: generator must be a torch.Generator or None; "
                        f"got {type(generator).__name__}")


# ----------------------------------------------------------------------------
# The O(HD) recurrence with a hand-written backward pass
# ----------------------------------------------------------------------------


class _NADEConditionals(torch.autograd.Function):
    """logits[b, i] = b_i + V[i] . sigmoid(c + sum_{j<i} W[:, j] x[b, j]).

    The hidden pre-activations of all positions are held in one (D, B, H)
    buffer laid out position-major, so the recurrence is a cumulative sum of
    contiguous B*H slabs (``torch.cumsum`` along dim 0, in place) and the
    output layer and the weight gradients are batched matrix products over
    positions. Only the buffer of hidden units h (D, B, H) is kept for the
    backward pass, which runs the recurrence in reverse:

        dL/da_i = sigmoid'(a_i) * V[i] dL/dlogit_i
        dL/dW[:, j] = sum_b x[b, j] sum_{i>j} dL/da_i[b]      (reverse cumsum)
    """

    @staticmethod
    def forward(ctx, x, W, c, V, b):
        B, D = x.shape
        H = W.shape[0]
        xt = x.t()  # (D, B)
        h = torch.empty(D, B, H, dtype=x.dtype, device=x.device)
        # h[0] = c; h[i] = W[:, i-1] x[:, i-1] for i >= 1, then a cumulative sum.
        h[0].copy_(c.expand(B, H))
        if D > 1:
            torch.mul(xt[:-1, :, None], W.t()[:-1, None, :], out=h[1:])
        torch.cumsum(h, dim=0, out=h)
        torch.sigmoid_(h)
        logits = torch.bmm(h, V[:, :, None]).squeeze(-1).t() + b  # (B, D)
        ctx.save_for_backward(x, W, V, h)
        return logits

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_logits):
        x, W, V, h = ctx.saved_tensors
        D, B, H = h.shape
        g = grad_logits.t().contiguous()  # (D, B)
        grad_b = grad_logits.sum(0)
        grad_V = torch.bmm(g[:, None, :], h).squeeze(1)  # (D, H)
        # dL/da = h (1 - h) * V[i] g[i, b], written over h (its last use).
        da = torch.ops.aten.sigmoid_backward(V[:, None, :] * g[:, :, None], h)
        del h
        # Reverse recurrence: S_j = sum_{i>j} da_i = total - cumsum(da)_j.
        torch.cumsum(da, dim=0, out=da)
        total = da[-1]  # (B, H)
        grad_c = total.sum(0)
        xt = x.t()  # (D, B)
        grad_W = (xt @ total - torch.bmm(xt[:, None, :], da).squeeze(1)).t()  # (H, D)
        return None, grad_W, grad_c, grad_V, grad_b


class NADE(nn.Module):
    """Neural Autoregressive Distribution Estimator for binary vectors.

    Parameters (per pixel, whatever the ordering): ``W`` (H, D), ``c`` (H),
    ``V`` (D, H), ``b`` (D). ``ordering`` (a permutation of range(D), fixed at
    construction, default the identity) is the order in which pixels are
    predicted: pixel ``ordering[k]`` is conditioned on pixels
    ``ordering[:k]``. ``forward`` returns logits in pixel positions, so
    ``forward(x)[:, j]`` is the logit of p(x_j = 1 | pixels before j in the order).
    """

    def __init__(self, n_dims: int, n_hidden: int, ordering=None):
        super().__init__()
        _check_positive_int(n_dims, "n_dims", "NADE")
        _check_positive_int(n_hidden, "n_hidden", "NADE")
        self.n_dims, self.n_hidden = n_dims, n_hidden
        order = torch.arange(n_dims) if ordering is None else _check_ordering(ordering, n_dims, "NADE")
        self.register_buffer("ordering", order)
        self.register_buffer("inverse_ordering", torch.argsort(order))
        self._identity = bool(torch.equal(order, torch.arange(n_dims)))
        scale = 1.0 / math.sqrt(n_dims)
        self.W = nn.Parameter(torch.empty(n_hidden, n_dims).uniform_(-scale, scale))
        self.c = nn.Parameter(torch.zeros(n_hidden))
        self.V = nn.Parameter(torch.empty(n_dims, n_hidden).uniform_(-scale, scale))
        self.b = nn.Parameter(torch.zeros(n_dims))

    def extra_repr(self) -> str:
        return f"n_dims={self.n_dims}, n_hidden={self.n_hidden}, identity_ordering={self._identity}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of p(x_j = 1 | x before j in the order), shape (batch, n_dims)."""
        _check_batch(x, self.n_dims, "NADE.forward", binary=True)
        return self._logits(x)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.W.dtype)
        if self._identity:
            return _NADEConditionals.apply(x, self.W, self.c, self.V, self.b)
        o = self.ordering
        logits = _NADEConditionals.apply(x[:, o], self.W[:, o], self.c, self.V[o], self.b[o])
        return logits[:, self.inverse_ordering]

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats, shape (batch,): sum_i x_i l_i - softplus(l_i)."""
        _check_batch(x, self.n_dims, "NADE.log_prob", binary=True)
        logits = self._logits(x)
        return (x.to(logits.dtype) * logits - F.softplus(logits)).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples (n, n_dims) in {0, 1}, one pixel at a time in the ordering."""
        _check_n(n, generator, "NADE.sample")
        dtype, device = self.W.dtype, self.W.device
        x = torch.zeros(n, self.n_dims, dtype=dtype, device=device)
        a = self.c.expand(n, -1).clone()
        for j in self.ordering.tolist():
            p = torch.sigmoid(torch.sigmoid(a) @ self.V[j] + self.b[j])
            u = torch.rand(n, generator=generator, dtype=dtype, device="cpu").to(device)
            x[:, j] = (u < p).to(dtype)
            a += x[:, j, None] * self.W[:, j]
        return x

    @torch.no_grad()
    def init_bias_from_data(self, x: torch.Tensor, eps: float = 1e-3) -> "NADE":
        """Set ``b`` to the logit of each pixel's mean in ``x`` (clipped): a model that
        starts as the independent-Bernoulli fit, which speeds up early training."""
        _check_batch(x, self.n_dims, "NADE.init_bias_from_data", binary=True)
        p = x.to(self.b.dtype).mean(0).clamp(eps, 1 - eps)
        self.b.copy_(torch.log(p) - torch.log1p(-p))
        return self


# ----------------------------------------------------------------------------
# RealNADE: mixture-of-Gaussians conditionals
# ----------------------------------------------------------------------------


class RealNADE(nn.Module):
    """RNADE (Uria et al., 2013): p(x_i | x_<i) = sum_k pi_ik N(x_i; mu_ik, sigma_ik^2).

    Same hidden recurrence as NADE, h_i = sigmoid(c + W[:, <i] x_<i); the
    mixture logits, means and log standard deviations of dimension i are
    linear in h_i (parameters ``V_pi``, ``V_mu``, ``V_log_sigma`` of shape
    (D, H, K) and biases (D, K)).
    """

    def __init__(self, n_dims: int, n_hidden: int, n_components: int = 5):
        super().__init__()
        _check_positive_int(n_dims, "n_dims", "RealNADE")
        _check_positive_int(n_hidden, "n_hidden", "RealNADE")
        _check_positive_int(n_components, "n_components", "RealNADE")
        self.n_dims, self.n_hidden, self.n_components = n_dims, n_hidden, n_components
        D, H, K = n_dims, n_hidden, n_components
        scale = 1.0 / math.sqrt(H)
        self.W = nn.Parameter(torch.randn(H, D) / math.sqrt(D))
        self.c = nn.Parameter(torch.randn(H))
        self.V_pi = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.V_mu = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.V_log_sigma = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.b_pi = nn.Parameter(torch.zeros(D, K))
        self.b_mu = nn.Parameter(torch.linspace(-2, 2, K).repeat(D, 1))
        self.b_log_sigma = nn.Parameter(torch.zeros(D, K))

    def extra_repr(self) -> str:
        return f"n_dims={self.n_dims}, n_hidden={self.n_hidden}, n_components={self.n_components}"

    def _hidden(self, x: torch.Tensor) -> torch.Tensor:
        """h (B, D, H) with h[:, i] = sigmoid(c + sum_{j<i} W[:, j] x_j)."""
        steps = x[:, :-1, None] * self.W.t()[None, :-1, :]  # (B, D-1, H)
        a = torch.cat([torch.zeros_like(x[:, :1, None]).expand(-1, 1, self.n_hidden),
                       steps.cumsum(1)], dim=1)
        return torch.sigmoid(a + self.c)

    def mixture(self, x: torch.Tensor):
        """Per-dimension mixture parameters (log pi, mu, sigma), each (B, D, K)."""
        _check_batch(x, self.n_dims, "RealNADE.mixture", binary=False)
        h = self._hidden(x.to(self.W.dtype))
        log_pi = torch.log_softmax(torch.einsum("bdh,dhk->bdk", h, self.V_pi) + self.b_pi, -1)
        mu = torch.einsum("bdh,dhk->bdk", h, self.V_mu) + self.b_mu
        sigma = F.softplus(torch.einsum("bdh,dhk->bdk", h, self.V_log_sigma) + self.b_log_sigma) + 1e-3
        return log_pi, mu, sigma

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) (nats, a density), shape (batch,)."""
        _check_batch(x, self.n_dims, "RealNADE.log_prob", binary=False)
        log_pi, mu, sigma = self.mixture(x)
        z = (x.to(mu.dtype)[:, :, None] - mu) / sigma
        log_normal = -0.5 * z**2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)
        return torch.logsumexp(log_pi + log_normal, dim=-1).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples (n, n_dims), one dimension at a time."""
        _check_n(n, generator, "RealNADE.sample")
        dtype = self.W.dtype
        x = torch.zeros(n, self.n_dims, dtype=dtype)
        a = self.c.expand(n, -1).clone()
        for i in range(self.n_dims):
            h = torch.sigmoid(a)
            log_pi = torch.log_softmax(h @ self.V_pi[i] + self.b_pi[i], -1)
            mu = h @ self.V_mu[i] + self.b_mu[i]
            sigma = F.softplus(h @ self.V_log_sigma[i] + self.b_log_sigma[i]) + 1e-3
            k = torch.multinomial(log_pi.exp(), 1, generator=generator).squeeze(1)
            eps = torch.randn(n, generator=generator, dtype=dtype)
            x[:, i] = mu.gather(1, k[:, None]).squeeze(1) + sigma.gather(1, k[:, None]).squeeze(1) * eps
            a += x[:, i, None] * self.W[:, i]
        return x


# ----------------------------------------------------------------------------
# Zoo hooks (course_utils.zoo.trained("nade"))
# ----------------------------------------------------------------------------


def build_from_recipe(recipe) -> NADE:
    """An untrained NADE with the recipe's architecture (784 pixels, raster order)."""
    return NADE(784, recipe.n_hidden)


def train_from_recipe(recipe, progress: bool = True):
    """Train NADE on ``load_mnist()`` as the recipe says; return ``(model, history)``.

    Adam with the recipe's learning rate, decayed by ``recipe.lr_decay`` per
    epoch; the output bias starts at the pixel marginals. History: per-epoch
    ``train_loss`` (mean NLL, nats), ``test_nll`` after the last epoch and
    ``seconds`` (total training wall time).
    """
    from ..data import load_mnist
    from ..training import fit, seed_everything

    generator = seed_everything(recipe.seed)
    x_train, _ = load_mnist("train")
    model = build_from_recipe(recipe).init_bias_from_data(x_train)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    decay = getattr(recipe, "lr_decay", 1.0)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=decay)
    history: dict = {"train_loss": [], "seconds": []}
    elapsed = 0.0
    for epoch in range(recipe.epochs):
        h = fit(model, lambda m, xb: -m.log_prob(xb).mean(), x_train, epochs=1,
                batch_size=recipe.batch_size, optimizer=opt, generator=generator,
                progress=progress, desc=f"NADE epoch {epoch + 1}/{recipe.epochs}")
        sched.step()
        elapsed += h["seconds"][-1]
        history["train_loss"].append(h["train_loss"][-1])
        history["seconds"].append(elapsed)
    history["seconds_total"] = elapsed
    model.eval()
    x_test, _ = load_mnist("test")
    with torch.no_grad():
        history["test_nll"] = -model.log_prob(x_test).mean().item()
    return model, history
