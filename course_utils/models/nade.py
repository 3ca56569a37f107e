"""Neural autoregressive density estimators: NADE for binary data, RealNADE for real data.

NADE (Larochelle & Murray, 2011) writes p(x) = prod_i p(x_i | x_<i) with

    p(x_i = 1 | x_<i) = sigmoid(b_i + V[i] . h_i),
    h_i = sigmoid(a_i),   a_i = c + W[:, <i] x_<i.

All conditionals share W and c, so a_i = a_{i-1} + W[:, i-1] x_{i-1}: the
whole log-likelihood costs O(H D) per example instead of O(H D^2). Here the
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

from .. import validation as V

__all__ = ["NADE", "RealNADE", "build_from_recipe", "train_from_recipe"]


# ----------------------------------------------------------------------------
# The O(HD) recurrence with a hand-written backward pass
# ----------------------------------------------------------------------------

#: Largest hidden buffer (D * batch * H elements) one call builds (128 MiB in
#: float32); a bigger batch is processed in equal slices.
_MAX_BUFFER_ELEMENTS = 1 << 25

#: Freed (D, B, H) buffers kept for reuse on the CPU: a fresh 100+ MB buffer
#: costs more in page faults than the arithmetic that fills it. A training step
#: cycles through a few (h of this step, h of the previous step until its graph
#: is dropped, dL/da during backward). ``release_buffers()`` frees them.
_POOL: list[torch.Tensor] = []
_POOL_SIZE = 4


def release_buffers() -> None:
    """Free the hidden buffers NADE keeps for reuse (at most 4 x 128 MiB)."""
    _POOL.clear()


def _take_buffer(shape, dtype, device) -> torch.Tensor:
    numel = math.prod(shape)
    if device.type == "cpu":
        for i, flat in enumerate(_POOL):  # smallest first
            if flat.dtype == dtype and flat.numel() >= numel:
                return _POOL.pop(i)[:numel].view(shape)
    return torch.empty(shape, dtype=dtype, device=device)


def _give_buffer(buffer: torch.Tensor) -> None:
    if buffer.device.type != "cpu" or buffer.numel() > _MAX_BUFFER_ELEMENTS:
        return
    flat = buffer.view(-1)
    base = flat._base if flat._base is not None else flat
    _POOL.append(base.view(-1))
    _POOL.sort(key=lambda t: t.numel())
    del _POOL[:-_POOL_SIZE]  # keep the largest


class _Lease:
    """Returns a buffer to the pool when the autograd node holding it is freed."""

    def __init__(self, buffer: torch.Tensor):
        self.buffer = buffer

    def __del__(self):
        _give_buffer(self.buffer)


class _NADEConditionals(torch.autograd.Function):
    """logits[b, i] = b_i + V[i] . sigmoid(c + sum_{j<i} W[:, j] x[b, j]).

    The pre-activations a_i of every position live in one (D, B, H) buffer,
    position-major: the recurrence a_i = a_{i-1} + W[:, i-1] x_{i-1} is one
    in-place ``torch.cumsum`` along dim 0 over the outer products
    W[:, i-1] x_{i-1}, and the output layer is a batched product over
    positions. The buffer (then holding h = sigmoid(a)) is the only large
    tensor kept for backward, which runs the recurrence in reverse in a
    second buffer:

        dL/da_i = h_i (1 - h_i) V[i] dL/dlogit_i,
        dL/dW[:, j] = sum_b x[b, j] sum_{i>j} dL/da_i[b]  (a reverse cumulative sum).
    """

    @staticmethod
    def forward(ctx, x, W, c, V, b):
        B, D = x.shape
        H = W.shape[0]
        xt = x.t()  # (D, B)
        h = _take_buffer((D, B, H), x.dtype, x.device)
        h[0].copy_(c.expand(B, H))
        if D > 1:  # outer products x[:, i-1] W[:, i-1]^T, one per position i >= 1
            torch.bmm(xt[:-1, :, None], W.t()[:-1, None, :], out=h[1:])
        torch.cumsum(h, dim=0, out=h)  # a_i = c + sum_{j<i} W[:, j] x_j
        torch.sigmoid_(h)
        logits = torch.bmm(V[:, None, :], h.transpose(1, 2)).view(D, B).t() + b
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x, V, h)
            ctx.lease = _Lease(h)  # back to the pool when the graph is freed
        else:
            _give_buffer(h)
        return logits

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_logits):
        x, V, h = ctx.saved_tensors
        D, B, H = h.shape
        g = grad_logits.t().contiguous()  # (D, B)
        grad_W = grad_c = grad_V = grad_b = None
        if ctx.needs_input_grad[4]:
            grad_b = grad_logits.sum(0)
        if ctx.needs_input_grad[3]:
            grad_V = torch.bmm(g[:, None, :], h).view(D, H)
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            da = _take_buffer((D, B, H), h.dtype, h.device)  # dL/da = h (1 - h) V[i] g[i, b]
            torch.ops.aten.sigmoid_backward.grad_input(V[:, None, :].expand(D, B, H), h, grad_input=da)
            da.mul_(g[:, :, None])
            torch.cumsum(da, dim=0, out=da)  # sum_{i<=j}; sum_{i>j} = total - that
            total = da[-1]  # (B, H)
            grad_c = total.sum(0)
            xt = x.t()  # (D, B)
            grad_W = (xt @ total - torch.bmm(xt[:, None, :], da).view(D, H)).t().contiguous()
            _give_buffer(da)
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
        n_dims = V.positive_int("NADE", "n_dims", n_dims)
        n_hidden = V.positive_int("NADE", "n_hidden", n_hidden)
        self.n_dims, self.n_hidden = n_dims, n_hidden
        order = torch.arange(n_dims) if ordering is None else V.permutation("NADE", "ordering", ordering, n_dims)
        self.register_buffer("ordering", order)
        self.register_buffer("inverse_ordering", torch.argsort(order))
        scale = 1.0 / math.sqrt(n_dims)
        self.W = nn.Parameter(torch.empty(n_hidden, n_dims).uniform_(-scale, scale))
        self.c = nn.Parameter(torch.zeros(n_hidden))
        self.V = nn.Parameter(torch.empty(n_dims, n_hidden).uniform_(-scale, scale))
        self.b = nn.Parameter(torch.zeros(n_dims))

    @property
    def _identity(self) -> bool:
        """Whether the ordering is the raster order (a sorted permutation is the identity)."""
        return bool((self.ordering[1:] > self.ordering[:-1]).all())

    def extra_repr(self) -> str:
        return f"n_dims={self.n_dims}, n_hidden={self.n_hidden}, raster_order={self._identity}"

    def conditional_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits l_j of p(x_j = 1 | x before j in the order), in pixel positions, shape (batch, n_dims)."""
        return self._logits(V.batch("NADE.conditional_logits", x, self.n_dims, like=self.W))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The same as ``conditional_logits`` (other modules call that name)."""
        return self._logits(V.batch("NADE.forward", x, self.n_dims, like=self.W))

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        W, c, V, b = self.W, self.c, self.V, self.b
        if not self._identity:
            o = self.ordering
            x, W, V, b = x[:, o], W[:, o], V[o], b[o]
        per_example = self.n_dims * self.n_hidden
        slices = max(1, math.ceil(len(x) * per_example / _MAX_BUFFER_ELEMENTS))
        if slices == 1:
            logits = _NADEConditionals.apply(x, W, c, V, b)
        else:
            size = math.ceil(len(x) / slices)
            logits = torch.cat([_NADEConditionals.apply(part, W, c, V, b)
                                for part in x.split(size)])
        return logits if self._identity else logits[:, self.inverse_ordering]

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats, shape (batch,): sum_i x_i l_i - softplus(l_i)."""
        x = V.batch("NADE.log_prob", x, self.n_dims, like=self.W)
        logits = self._logits(x)
        return (x * logits - F.softplus(logits)).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples (n, n_dims) in {0, 1}, one pixel at a time in the ordering."""
        n = V.count("NADE.sample", "n", n)
        V.generator("NADE.sample", generator)
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
        x = V.batch("NADE.init_bias_from_data", x, self.n_dims, like=self.b, nonempty=True)
        eps = V.number("NADE.init_bias_from_data", "eps", eps, minimum=0.0, maximum=0.5, open_min=True, open_max=True)
        p = x.mean(0).clamp(eps, 1 - eps)
        self.b.copy_(torch.log(p) - torch.log1p(-p))
        return self


# ----------------------------------------------------------------------------
# RealNADE: mixture-of-Gaussians conditionals
# ----------------------------------------------------------------------------


def _positive(pre: torch.Tensor) -> torch.Tensor:
    """Standard deviations from unconstrained values: softplus, floored at 1e-3."""
    return F.softplus(pre) + 1e-3


class RealNADE(nn.Module):
    """RNADE (Uria et al., 2013): p(x_i | x_<i) = sum_k pi_ik N(x_i; mu_ik, sigma_ik^2).

    Same hidden recurrence as NADE, h_i = sigmoid(c + W[:, <i] x_<i); the
    mixture logits, the means and (through softplus) the standard deviations
    of dimension i are linear in h_i (parameters ``V_pi``, ``V_mu``,
    ``V_sigma`` of shape (D, H, K) and biases ``b_pi``, ``b_mu``, ``b_sigma``
    of shape (D, K)).
    """

    def __init__(self, n_dims: int, n_hidden: int, n_components: int = 5):
        super().__init__()
        n_dims = V.positive_int("RealNADE", "n_dims", n_dims)
        n_hidden = V.positive_int("RealNADE", "n_hidden", n_hidden)
        n_components = V.positive_int("RealNADE", "n_components", n_components)
        self.n_dims, self.n_hidden, self.n_components = n_dims, n_hidden, n_components
        D, H, K = n_dims, n_hidden, n_components
        scale = 1.0 / math.sqrt(H)
        self.W = nn.Parameter(torch.randn(H, D) / math.sqrt(D))
        self.c = nn.Parameter(torch.randn(H))
        self.V_pi = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.V_mu = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.V_sigma = nn.Parameter(torch.empty(D, H, K).uniform_(-scale, scale))
        self.b_pi = nn.Parameter(torch.zeros(D, K))
        self.b_mu = nn.Parameter(torch.linspace(-2, 2, K).repeat(D, 1))
        self.b_sigma = nn.Parameter(torch.zeros(D, K))

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
        return self._mixture(V.batch("RealNADE.mixture", x, self.n_dims, values="real", like=self.W))

    def _mixture(self, x: torch.Tensor):
        h = self._hidden(x)
        log_pi = torch.log_softmax(torch.einsum("bdh,dhk->bdk", h, self.V_pi) + self.b_pi, -1)
        mu = torch.einsum("bdh,dhk->bdk", h, self.V_mu) + self.b_mu
        sigma = _positive(torch.einsum("bdh,dhk->bdk", h, self.V_sigma) + self.b_sigma)
        return log_pi, mu, sigma

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) (nats, a density), shape (batch,)."""
        x = V.batch("RealNADE.log_prob", x, self.n_dims, values="real", like=self.W)
        log_pi, mu, sigma = self._mixture(x)
        z = (x[:, :, None] - mu) / sigma
        log_normal = -0.5 * z**2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)
        return torch.logsumexp(log_pi + log_normal, dim=-1).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples (n, n_dims), one dimension at a time: pick a component
        k ~ pi_i, then x_i = mu_ik + sigma_ik * eps (random numbers drawn on the CPU)."""
        n = V.count("RealNADE.sample", "n", n)
        V.generator("RealNADE.sample", generator)
        dtype, device = self.W.dtype, self.W.device
        x = torch.zeros(n, self.n_dims, dtype=dtype, device=device)
        a = self.c.expand(n, -1).clone()
        for i in range(self.n_dims):
            h = torch.sigmoid(a)
            pi = torch.softmax(h @ self.V_pi[i] + self.b_pi[i], -1)
            mu = h @ self.V_mu[i] + self.b_mu[i]
            sigma = _positive(h @ self.V_sigma[i] + self.b_sigma[i])
            u = torch.rand(n, 1, generator=generator, dtype=dtype).to(device)
            k = (pi.cumsum(-1) < u).sum(-1, keepdim=True).clamp(max=self.n_components - 1)
            eps = torch.randn(n, generator=generator, dtype=dtype).to(device)
            x[:, i] = mu.gather(1, k).squeeze(1) + sigma.gather(1, k).squeeze(1) * eps
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

    Adam (``recipe.lr``, ``recipe.batch_size``, ``recipe.epochs``) from the
    recipe's seed; the output bias starts at the logit of each pixel's mean.
    Training runs on one CPU thread (restored afterwards): the result is then
    the same on any machine, and on a busy 2-core machine one thread was
    about 3x faster in wall time than two.
    History: ``train_loss`` (mean NLL per epoch, nats), ``epoch_seconds``
    (wall time at the end of each epoch), ``seconds`` (total training wall
    time) and ``test_nll`` (mean NLL on the 1,000 test digits, nats).
    """
    from ..data import load_mnist
    from ..training import fit, seed_everything, torch_threads

    generator = seed_everything(recipe.seed)
    x_train, _ = load_mnist("train")
    x_test, _ = load_mnist("test")
    model = build_from_recipe(recipe).init_bias_from_data(x_train)
    with torch_threads(1):
        fitted = fit(model, lambda m, batch: -m.log_prob(batch).mean(), x_train,
                     epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                     generator=generator, progress=progress, desc="NADE")
        model.eval()
        with torch.no_grad():
            test_nll = -model.log_prob(x_test).mean().item()
    history = {"train_loss": fitted["train_loss"], "epoch_seconds": fitted["seconds"],
               "seconds": fitted["seconds"][-1], "test_nll": test_nll}
    return model, history
