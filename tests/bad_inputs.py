"""The bad-input battery: public callables of course_utils x kinds of wrong input.

Each case calls one public function with one argument replaced by a wrong
value (shape, dtype, range, NaN / inf, empty, wrong container, bad size, None)
and classifies what happened:

* ``clear``: a ValueError or TypeError raised from a course_utils frame whose
  message names the argument and says what came (``got ...``);
* ``unclear``: any other exception (from inside torch, a KeyError, a message
  that does not name the argument...);
* ``accepted``: no error where one was due (silently wrong);
* ``handled``: accepted where the course's decision is to accept (float64, int
  and bool batches are cast; ``sample(0)`` is an empty batch; NaN in gives NaN
  out of pure maths functions), with the right result;
* ``wrong``: accepted where accepting is allowed, but with a wrong result.

``python tests/bad_inputs.py`` prints the counts; ``tests/test_bad_inputs.py``
asserts them. The table only uses names that existed before the validation
layer (commit 4d8908d), so the same file measures the code before and after,
except the block for notebook 07's flow and diffusion model, which came later.
"""

from __future__ import annotations

import math
import os
import re
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

import course_utils

CU_DIR = os.path.dirname(os.path.abspath(course_utils.__file__))


@dataclass
class Case:
    func: str  # the public callable
    arg: str  # the argument made wrong
    variant: str  # the kind of wrong input
    call: Callable[[], Any]  # the wrong call
    expect: Any = "error"  # "error", or a check(result) -> bool where accepting is the decision
    reference: Callable[[], Any] | None = None  # the right call, for checks that compare

    @property
    def kind(self) -> str:
        return self.variant.split(":")[0]

    @property
    def id(self) -> str:
        return f"{self.func}[{self.arg}={self.variant}]"


# ----------------------------------------------------------------------------
# Classifying one case
# ----------------------------------------------------------------------------


def _raised_in_course_utils(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(CU_DIR)


def _names_argument(message: str, arg: str) -> bool:
    return all(re.search(rf"(?<![\w.]){re.escape(a)}(?!\w)", message) for a in arg.split("+"))


def classify(case: Case) -> tuple[str, str]:
    """(outcome, detail) of one case."""
    try:
        result = case.call()
    except (ValueError, TypeError) as err:
        msg = str(err)
        if _raised_in_course_utils(err) and _names_argument(msg, case.arg) and "got" in msg:
            return "clear", f"{type(err).__name__}: {msg}"
        return "unclear", f"{type(err).__name__} ({'course_utils' if _raised_in_course_utils(err) else 'outside'}): {msg[:200]}"
    except Exception as err:  # noqa: BLE001 - every other failure is unclear
        return "unclear", f"{type(err).__name__}: {str(err)[:200]}"
    if case.expect == "error":
        return "accepted", f"returned {_short(result)}"
    try:
        ok = case.expect(result) if case.reference is None else case.expect(result, case.reference())
    except Exception as err:  # noqa: BLE001
        return "wrong", f"check failed: {type(err).__name__}: {err}"
    return ("handled", "") if ok else ("wrong", f"returned {_short(result)}")


def _short(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)} {value.dtype}" + (" with NaN" if value.is_floating_point() and value.isnan().any() else "")
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


# ----------------------------------------------------------------------------
# What "right" means where accepting is the decision
# ----------------------------------------------------------------------------


def _flat(value):
    if isinstance(value, torch.Tensor):
        return [value.detach().double()]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flat(v)]
    if isinstance(value, (int, float, np.floating, np.integer)):
        return [torch.tensor(float(value), dtype=torch.float64)]
    if isinstance(value, np.ndarray):
        return [torch.from_numpy(np.asarray(value, dtype=np.float64))]
    return []


def same(result, reference) -> bool:
    a, b = _flat(result), _flat(reference)
    return len(a) == len(b) and all(x.shape == y.shape and torch.allclose(x, y, rtol=1e-4, atol=1e-5, equal_nan=True) for x, y in zip(a, b))


def rows0(result) -> bool:
    """An empty batch gives an empty result (first dimension 0)."""
    tensors = _flat(result)
    return bool(tensors) and all(t.shape[:1] == (0,) for t in tensors)


def has_nan(result) -> bool:
    return any(bool(t.isnan().any()) for t in _flat(result))


def finite(result) -> bool:
    tensors = _flat(result)
    return bool(tensors) and all(bool(torch.isfinite(t).all()) for t in tensors)


# ----------------------------------------------------------------------------
# Wrong values by kind of argument
# ----------------------------------------------------------------------------


def batch_variants(good: torch.Tensor, values: str = "binary", empty="error", casts: bool = True,
                   nan="error"):
    """Wrong batches for an argument whose right value is ``good`` (2-D)."""
    out = [
        ("shape:width", good[:, :-1], "error"),
        ("shape:1-D", good[0], "error"),
        ("shape:3-D", good[:, None, :], "error"),
        ("dtype:complex", good.to(torch.complex64), "error"),
        ("nan", _with(good, math.nan), nan),
        ("inf", _with(good, math.inf), "error"),
        ("empty", good[:0], empty),
        ("container:numpy", good.numpy(), "error"),
        ("container:list", good.tolist(), "error"),
        ("None", None, "error"),
    ]
    if casts:
        out.append(("dtype:float64", good.double(), "same"))
        if values in ("binary", "unit"):  # compared with the float batch of the same (rounded) values
            out.append(("dtype:int64", good.round().long(), ("same", good.round())))
        if values == "binary":
            out.append(("dtype:bool", good.bool(), "same"))
    if values == "binary":
        out += [("range:0.5", _with(good, 0.5), "error"), ("range:0..255", good * 255, "error")]
    elif values == "unit":
        out += [("range:negative", _with(good, -0.5), "error"), ("range:0..255", good * 255, "error")]
    return out


def _with(x: torch.Tensor, value: float) -> torch.Tensor:
    y = x.clone().float() if not x.is_floating_point() else x.clone()
    y.view(-1)[0] = value
    return y


def size_variants(minimum: int = 1):
    out = [("size:negative", -1, "error"), ("size:float", 2.5, "error"), ("size:str", "3", "error"),
           ("None", None, "error"), ("size:bool", True, "error")]
    if minimum >= 1:
        out.append(("size:zero", 0, "error"))
    return out


def count_variants():
    """``n`` of ``sample(n)``: 0 is an empty batch, the rest are errors."""
    return [("size:zero", 0, rows0)] + size_variants(minimum=0)


def generator_variants():
    return [("generator:int", 0, "error"), ("generator:str", "seed", "error")]


def probability_variants():
    return [("range:negative", -0.1, "error"), ("range:above 1", 1.5, "error"), ("nan", math.nan, "error"),
            ("container:str", "0.3", "error"), ("None", None, "error")]


def positive_variants():
    return [("range:zero", 0.0, "error"), ("range:negative", -1.0, "error"), ("nan", math.nan, "error"),
            ("inf", math.inf, "error"), ("container:str", "1", "error"), ("None", None, "error")]


def choice_variants():
    return [("choice:unknown", "nonsense", "error"), ("choice:int", 3, "error"), ("None", None, "error")]


def flag_variants():
    return [("flag:str", "yes", "error"), ("None", None, "error")]


def real_tensor_variants(good: torch.Tensor, empty="error"):
    """A pure maths function's tensor argument: NaN in, NaN out is allowed."""
    return [("container:str", "abc", "error"), ("None", None, "error"), ("nan", _with(good, math.nan), has_nan),
            ("empty", good[:0], empty)]


# ----------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------


CASES: list[Case] = []


def add(func: str, arg: str, variants, call: Callable[[Any], Any], good: Any = None):
    """One case per wrong value of ``arg``; ``call(value)`` makes the call. ``"same"`` compares
    with ``call(good)``; a ``rows0`` / ``has_nan`` / ``finite`` check applies to the result."""
    for variant, value, expect in variants:
        if isinstance(expect, tuple) and expect[0] == "same":
            CASES.append(Case(func, arg, variant, lambda v=value: call(v), same, lambda r=expect[1]: call(r)))
        elif expect == "same":
            CASES.append(Case(func, arg, variant, lambda v=value: call(v), same, lambda: call(good)))
        else:
            CASES.append(Case(func, arg, variant, lambda v=value: call(v), expect))


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _build():
    from course_utils import counting, evaluation, plotting, probability as prob, tensors, training
    from course_utils.models import autoencoder, baselines, classifier, gan, gmm, nade, pixelcnn, vae

    torch.manual_seed(0)
    D = 6
    xb = torch.randint(0, 2, (8, D), generator=_gen(1)).float()
    xu = torch.rand(8, D, generator=_gen(2))
    x784 = (torch.rand(4, 784, generator=_gen(3)) > 0.5).float()
    x9 = torch.randint(0, 2, (4, 9), generator=_gen(4)).float()
    x2 = torch.randn(8, 2, generator=_gen(5))

    def fresh(factory):
        torch.manual_seed(0)
        return factory()

    indep = lambda: baselines.IndependentBernoulli(D).fit(xb)  # noqa: E731
    markov = lambda: baselines.MarkovBernoulli(D, 2).fit(xb)  # noqa: E731
    made = lambda: fresh(lambda: nade.NADE(D, 5))  # noqa: E731
    rnade = lambda: fresh(lambda: nade.RealNADE(2, 4, 3))  # noqa: E731
    pcnn = lambda: fresh(lambda: pixelcnn.PixelCNN(3, 3, 4, 2, first_kernel=3))  # noqa: E731
    bvae = lambda: fresh(lambda: vae.VAE(D, 2, 8))  # noqa: E731
    ae = lambda: fresh(lambda: autoencoder.Autoencoder(D, 2, 8))  # noqa: E731
    clf = fresh(lambda: classifier.DigitClassifier(width=2, n_features=8))
    mlp_g = lambda: fresh(lambda: gan.MLPGenerator(2, 2, 8, 1))  # noqa: E731
    mlp_d = fresh(lambda: gan.MLPDiscriminator(2, 8, 1))
    dc_g = lambda: fresh(lambda: gan.DCGenerator(8, 4))  # noqa: E731
    dc_d = fresh(lambda: gan.DCDiscriminator(4))
    dcgan = lambda: fresh(lambda: gan.DCGAN(8, 4))  # noqa: E731
    mixture = gmm.fit_gmm(x2.double(), 2, n_iter=3, generator=_gen(6))

    # -- explicit models: the data batch ----------------------------------------------------
    for name, model, good, values, empty in [
        ("IndependentBernoulli.log_prob", indep, xb, "binary", rows0),
        ("MarkovBernoulli.log_prob", markov, xb, "binary", rows0),
        ("MarkovBernoulli.conditionals", markov, xb, "binary", rows0),
        ("MarkovBernoulli.context_codes", markov, xb, "binary", rows0),
        ("NADE.log_prob", made, xb, "binary", rows0),
        ("NADE.forward", made, xb, "binary", rows0),
        ("RealNADE.log_prob", rnade, x2, "real", rows0),
        ("RealNADE.mixture", rnade, x2, "real", rows0),
        ("PixelCNN.log_prob", pcnn, x9, "binary", rows0),
        ("PixelCNN.forward", pcnn, x9, "binary", rows0),
        ("VAE.encode", bvae, xu, "unit", rows0),
        ("Autoencoder.encode", ae, xu, "unit", rows0),
        ("Autoencoder.forward", ae, xu, "unit", rows0),
    ]:
        method = name.split(".")[1]
        add(name, "x", batch_variants(good, values, empty=empty),
            lambda v, m=model, meth=method: getattr(m(), meth)(v), good)
    add("VAE.elbo", "x", batch_variants(xu, "unit", empty=rows0), lambda v: bvae().elbo(v, generator=_gen()), xu)
    add("VAE.log_prob_iw", "x", batch_variants(xu, "unit", empty=rows0), lambda v: bvae().log_prob_iw(v, k=3, generator=_gen()), xu)
    add("VAE.forward", "x", batch_variants(xu, "unit", empty=rows0), lambda v: (torch.manual_seed(0), bvae()(v))[1], xu)
    add("IndependentBernoulli.fit", "x", batch_variants(xb, "binary", empty=finite),
        lambda v: baselines.IndependentBernoulli(D).fit(v).probs, xb)
    add("MarkovBernoulli.fit", "x", batch_variants(xb, "binary", empty=finite),
        lambda v: baselines.MarkovBernoulli(D, 2).fit(v).probs, xb)
    add("NADE.init_bias_from_data", "x", batch_variants(xb, "binary"), lambda v: made().init_bias_from_data(v).b, xb)
    add("PixelCNN.init_bias_from_data", "x", batch_variants(x9, "binary"), lambda v: pcnn().init_bias_from_data(v).b, x9)
    add("DigitClassifier.forward", "x", batch_variants(x784, "unit", empty=rows0), lambda v: clf(v), x784)
    add("DigitClassifier.features", "x", batch_variants(x784, "unit", empty=rows0), lambda v: clf.features(v), x784)
    add("DigitClassifier.predict_proba", "x", batch_variants(x784, "unit", empty=rows0), lambda v: clf.predict_proba(v), x784)
    add("DigitClassifier.predict_proba", "batch_size", size_variants(), lambda v: clf.predict_proba(x784, batch_size=v))
    add("DCDiscriminator.forward", "x", batch_variants(x784, "unit", empty="error"), lambda v: dc_d.eval()(v), x784)
    add("MLPDiscriminator.forward", "x", batch_variants(x2, "real", empty=rows0), lambda v: mlp_d(v), x2)
    add("autoencoder.squared_error", "x", batch_variants(xu, "unit", empty="error"), lambda v: autoencoder.squared_error(ae(), v), xu)
    add("vae.negative_elbo", "x", batch_variants(xu, "unit", empty="error"), lambda v: (torch.manual_seed(0), vae.negative_elbo(bvae(), v))[1], xu)
    add("GMM.log_prob", "x", batch_variants(x2.double(), "real", empty=rows0, nan=has_nan),
        lambda v: mixture.log_prob(v), x2.double())
    add("gmm.fit_gmm", "x", [v for v in batch_variants(x2.double(), "real", empty="error", casts=False)
                             if v[0] != "shape:width"],  # 1-D data (N, 1) is a fine mixture too
        lambda v: gmm.fit_gmm(v, 2, n_iter=2, generator=_gen()))
    add("gmm.fit_gmm", "k", size_variants(), lambda v: gmm.fit_gmm(x2, v, n_iter=2, generator=_gen()))
    add("gmm.fit_gmm", "n_iter", size_variants(minimum=0), lambda v: gmm.fit_gmm(x2, 2, n_iter=v, generator=_gen()))

    # -- latent codes -----------------------------------------------------------------------
    z2 = torch.randn(5, 2, generator=_gen(7))
    for name, model in [("VAE.decode", bvae), ("VAE.decode_mean", bvae), ("Autoencoder.decode", ae), ("Autoencoder.decode_mean", ae)]:
        method = name.split(".")[1]
        add(name, "z", [("shape:width", z2[:, :1], "error"), ("shape:0-D", torch.tensor(1.0), "error"),
                        ("dtype:complex", z2.to(torch.complex64), "error"), ("nan", _with(z2, math.nan), "error"),
                        ("container:numpy", z2.numpy(), "error"), ("None", None, "error"),
                        ("dtype:float64", z2.double(), "same")],
            lambda v, m=model, meth=method: getattr(m(), meth)(v), z2)
    add("MLPGenerator.forward", "z", [("shape:width", z2[:, :1], "error"), ("shape:1-D", z2[0], "error"),
                                      ("nan", _with(z2, math.nan), "error"), ("container:numpy", z2.numpy(), "error"),
                                      ("None", None, "error"), ("dtype:float64", z2.double(), "same")],
        lambda v: mlp_g()(v), z2)
    z8 = torch.randn(3, 8, generator=_gen(8))
    add("DCGenerator.forward", "z", [("shape:width", z8[:, :3], "error"), ("shape:1-D", z8[0], "error"),
                                     ("nan", _with(z8, math.nan), "error"), ("container:numpy", z8.numpy(), "error"),
                                     ("None", None, "error"), ("dtype:float64", z8.double(), "same")],
        lambda v: dc_g().eval()(v), z8)

    # -- sampling ---------------------------------------------------------------------------
    for name, model in [("IndependentBernoulli.sample", indep), ("MarkovBernoulli.sample", markov),
                        ("NADE.sample", made), ("RealNADE.sample", rnade), ("PixelCNN.sample", pcnn),
                        ("VAE.sample", bvae), ("MLPGenerator.sample", mlp_g), ("DCGenerator.sample", dc_g),
                        ("DCGAN.sample", dcgan), ("GMM.sample", lambda: mixture)]:
        add(name, "n", count_variants(), lambda v, m=model: m().sample(v, generator=_gen()))
        add(name, "generator", generator_variants(), lambda v, m=model: m().sample(2, generator=v))
    add("MLPGenerator.latent", "n", size_variants(), lambda v: mlp_g().latent(v, _gen()))
    add("ToyData.sample", "n", count_variants(), lambda v: gan.ring_of_gaussians().sample(v, _gen()))

    # -- constructors -----------------------------------------------------------------------
    for name, ctor, args in [
        ("IndependentBernoulli", baselines.IndependentBernoulli, {"n_dims": 4}),
        ("MarkovBernoulli", baselines.MarkovBernoulli, {"n_dims": 4}),
        ("NADE", nade.NADE, {"n_dims": 4, "n_hidden": 3}),
        ("RealNADE", nade.RealNADE, {"n_dims": 2, "n_hidden": 3, "n_components": 2}),
        ("PixelCNN", pixelcnn.PixelCNN, {"height": 3, "width": 3, "n_channels": 2, "n_layers": 2}),
        ("VAE", vae.VAE, {"n_dims": 4, "n_latent": 2, "n_hidden": 3}),
        ("Autoencoder", autoencoder.Autoencoder, {"n_dims": 4, "n_latent": 2, "n_hidden": 3}),
        ("DigitClassifier", classifier.DigitClassifier, {"width": 2, "n_features": 4, "n_classes": 3}),
        ("MLPGenerator", gan.MLPGenerator, {"n_latent": 2, "n_out": 2, "n_hidden": 3, "n_layers": 1}),
        ("MLPDiscriminator", gan.MLPDiscriminator, {"n_in": 2, "n_hidden": 3, "n_layers": 1, "pack": 1}),
        ("DCGenerator", gan.DCGenerator, {"n_latent": 4, "width": 2}),
        ("DCDiscriminator", gan.DCDiscriminator, {"width": 2}),
        ("DCGAN", gan.DCGAN, {"n_latent": 4, "width": 2}),
    ]:
        for arg in args:
            add(name, arg, size_variants(), lambda v, c=ctor, a=args, k=arg: c(**{**a, k: v}))
    add("MarkovBernoulli", "order", size_variants(minimum=0), lambda v: baselines.MarkovBernoulli(4, v))
    for name, ctor in [("MarkovBernoulli", baselines.MarkovBernoulli), ("NADE", lambda n, o: nade.NADE(n, 3, o))]:
        add(name, "ordering", [("shape:length", [0, 1, 2], "error"), ("range:repeated", [0, 0, 1, 2], "error"),
                               ("dtype:float", [0.0, 1.0, 2.0, 3.0], "error"), ("container:str", "0123", "error")],
            lambda v, c=ctor: c(4, ordering=v) if c is baselines.MarkovBernoulli else c(4, v))
    add("VAE", "likelihood", choice_variants(), lambda v: vae.VAE(4, 2, 3, v))
    add("VAE", "obs_std", positive_variants(), lambda v: vae.VAE(4, 2, 3, "gaussian", obs_std=v))
    add("MLPGenerator", "n_code", size_variants(minimum=0), lambda v: gan.MLPGenerator(2, 2, 3, 1, n_code=v))
    add("DCGenerator", "n_code", size_variants(minimum=0), lambda v: gan.DCGenerator(4, 2, n_code=v))
    add("pixelcnn.PixelCNN", "first_kernel", [("size:even", 4, "error"), ("size:zero", 0, "error"), ("None", None, "error")],
        lambda v: pixelcnn.PixelCNN(3, 3, 2, 2, first_kernel=v))
    add("pixelcnn.causal_mask", "kernel_size", size_variants() + [("size:even", 4, "error")], lambda v: pixelcnn.causal_mask(v, "A"))
    add("pixelcnn.causal_mask", "mask_type", choice_variants(), lambda v: pixelcnn.causal_mask(3, v))
    image = torch.rand(1, 1, 3, 3, generator=_gen(14))
    add("MaskedConv2d.forward", "x", [("shape:3-D", torch.zeros(1, 3, 3), "error"), ("None", None, "error"),
                                      ("container:numpy", np.zeros((1, 1, 3, 3), np.float32), "error"),
                                      ("dtype:float64", image.double(), "same")],
        lambda v: fresh(lambda: pixelcnn.MaskedConv2d(1, 2, 3, "A"))(v), image)
    add("pixelcnn.receptive_field", "row", [("range:outside", 5, "error"), ("size:negative", -1, "error"),
                                            ("size:float", 1.5, "error"), ("None", None, "error")],
        lambda v: pixelcnn.receptive_field(pixelcnn.PixelCNN(3, 3, 2, 2, first_kernel=3).net, 3, 3, v, 1))

    # -- method arguments -------------------------------------------------------------------
    add("IndependentBernoulli.fit", "alpha", positive_variants()[1:] , lambda v: baselines.IndependentBernoulli(D).fit(xb, v))
    add("VAE.log_prob_iw", "k", size_variants(), lambda v: bvae().log_prob_iw(xu, k=v))
    add("VAE.elbo", "n_samples", size_variants(), lambda v: bvae().elbo(xu, n_samples=v))
    add("VAE.elbo", "generator", generator_variants(), lambda v: bvae().elbo(xu, generator=v))
    mu, logvar = torch.zeros(3, 2), torch.zeros(3, 2)
    for name, fn in [("vae.kl_normal_std", vae.kl_normal_std), ("vae.reparameterize", vae.reparameterize)]:
        add(name, "mu", [("shape:mismatch", torch.zeros(3, 3), "error"), ("None", None, "error"),
                         ("container:numpy", np.zeros((3, 2)), "error"), ("dtype:int64", torch.zeros(3, 2, dtype=torch.long), "error"),
                         ("nan", _with(mu, math.nan), has_nan)],
            lambda v, f=fn: f(v, logvar) if f is vae.kl_normal_std else f(v, logvar, generator=_gen()))
        add(name, "logvar", [("None", None, "error"), ("shape:mismatch", torch.zeros(2), "error")],
            lambda v, f=fn: f(mu, v))
    add("vae.reparameterize", "eps", [("shape:mismatch", torch.zeros(3, 3), "error"), ("container:list", [0.0], "error")],
        lambda v: vae.reparameterize(mu, logvar, v))
    add("vae.log_normal_std", "z", real_tensor_variants(mu, empty=rows0), lambda v: vae.log_normal_std(v))
    add("vae.log_normal_diag", "z", [("shape:mismatch", torch.zeros(3, 3), "error"), ("None", None, "error")],
        lambda v: vae.log_normal_diag(v, mu, logvar))

    # -- GAN losses, training and theory ----------------------------------------------------
    logits = torch.randn(6, generator=_gen(9))
    for name, fn in [("gan.discriminator_loss", lambda v: gan.discriminator_loss(v, logits)),
                     ("gan.generator_loss", lambda v: gan.generator_loss(v))]:
        arg = "d_real_logits" if "discriminator" in name else "d_fake_logits"
        add(name, arg, [("None", None, "error"), ("empty", logits[:0], "error"), ("container:numpy", logits.numpy(), "error"),
                        ("dtype:int64", logits.long(), "error"), ("nan", _with(logits, math.nan), has_nan)], fn)
    add("gan.generator_loss", "non_saturating", flag_variants(), lambda v: gan.generator_loss(logits, v))
    code_logits, code = torch.randn(6, 3, generator=_gen(10)), torch.tensor([0, 1, 2, 0, 1, 2])
    add("gan.info_loss", "code", [("range:out of range", torch.tensor([0, 1, 2, 3, 1, 2]), "error"),
                                  ("range:negative", torch.tensor([0, 1, 2, -1, 1, 2]), "error"),
                                  ("dtype:float", code.float(), "error"), ("shape:mismatch", code[:3], "error"),
                                  ("None", None, "error")],
        lambda v: gan.info_loss(code_logits, v))
    add("MLPGenerator.forward", "c", [("range:out of range", torch.tensor([0, 5, 1, 1, 0]), "error"),
                                      ("range:negative", torch.tensor([0, -1, 1, 1, 0]), "error"),
                                      ("dtype:float", torch.zeros(5), "error")],
        lambda v: fresh(lambda: gan.MLPGenerator(2, 2, 3, 1, n_code=3))(z2, v))
    add("MLPGenerator.latent", "code", [("range:out of range", 7, "error"), ("range:negative", -1, "error"),
                                        ("container:str", "a", "error")],
        lambda v: fresh(lambda: gan.MLPGenerator(2, 2, 3, 1, n_code=3)).latent(4, _gen(), code=v))
    ring = gan.ring_of_gaussians()

    def tgan(**kw):
        g, d = fresh(lambda: gan.MLPGenerator(2, 2, 4, 1)), fresh(lambda: gan.MLPDiscriminator(2, 4, 1))
        return gan.train_gan(g, d, kw.pop("data", ring), **{"steps": 2, "batch_size": 4, "progress": False, **kw})

    add("gan.train_gan", "betas", [("shape:length", (0.5,), "error"), ("range:above 1", (0.5, 1.5), "error"),
                                   ("container:str", "0.5", "error"), ("None", None, "error")], lambda v: tgan(betas=v))
    add("gan.train_gan", "steps", size_variants(), lambda v: tgan(steps=v))
    add("gan.train_gan", "batch_size", size_variants(), lambda v: tgan(batch_size=v))
    add("gan.train_gan", "lr", positive_variants(), lambda v: tgan(lr=v))
    add("gan.train_gan", "seed", size_variants(minimum=0), lambda v: tgan(seed=v))
    add("gan.train_gan", "data", [("shape:width", torch.zeros(20, 3), "error"), ("empty", torch.zeros(0, 2), "error"),
                                  ("nan", torch.full((20, 2), math.nan), "error"), ("container:numpy", np.zeros((20, 2)), "error"),
                                  ("None", None, "error")], lambda v: tgan(data=v))
    p = np.array([0.1, 0.4, 0.5])
    q = np.array([0.3, 0.3, 0.4])
    for name, fn, arg in [("gan.optimal_discriminator", lambda v: gan.optimal_discriminator(v, q), "p_data"),
                          ("gan.jsd", lambda v: gan.jsd(v, q), "p"),
                          ("gan.gan_value", lambda v: gan.gan_value(np.full(3, 0.5), v, q), "p_data")]:
        add(name, arg, [("shape:mismatch", p[:2], "error"), ("range:negative", np.array([-0.1, 0.6, 0.5]), "error"),
                        ("None", None, "error"), ("container:str", "abc", "error"), ("nan", np.array([np.nan, 0.5, 0.5]), "error")], fn)
    add("gan.gan_value", "d", [("range:above 1", np.array([0.5, 1.5, 0.5]), "error"), ("shape:mismatch", np.full(2, 0.5), "error"),
                               ("None", None, "error")], lambda v: gan.gan_value(v, p, q))
    add("gan.jsd", "dx", [v for v in positive_variants() if v[0] != "None"], lambda v: gan.jsd(p / 0.5, q / 0.5, dx=v))
    add("gan.ring_of_gaussians", "n_modes", size_variants(), lambda v: gan.ring_of_gaussians(v))
    add("gan.ring_of_gaussians", "std", positive_variants(), lambda v: gan.ring_of_gaussians(8, 2.0, v))
    add("gan.ring_of_gaussians", "radius", positive_variants(), lambda v: gan.ring_of_gaussians(8, v))
    add("gan.two_gaussians_1d", "std", positive_variants(), lambda v: gan.two_gaussians_1d((-2.0, 2.0), v))
    add("gan.two_gaussians_1d", "means", [("shape:length", (1.0,), "error"), ("None", None, "error"), ("container:str", "ab", "error"),
                                          ("nan", (math.nan, 1.0), "error")], lambda v: gan.two_gaussians_1d(v))
    add("ToyData.density", "x", [("shape:width", np.zeros((3, 3)), "error"), ("None", None, "error"),
                                 ("container:str", "abc", "error")], lambda v: ring.density(v))
    add("gan.density_snapshot_1d", "grid", [("shape:2-D", np.zeros((3, 3)), "error"), ("shape:short", np.array([0.0, 1.0]), "error"),
                                            ("range:decreasing", np.array([2.0, 1.0, 0.0]), "error"), ("None", None, "error"),
                                            ("nan", np.array([0.0, np.nan, 2.0]), "error")],
        lambda v: gan.density_snapshot_1d(v))
    add("gan.density_snapshot_1d", "n_samples", size_variants(), lambda v: gan.density_snapshot_1d(np.linspace(0, 1, 5), v))

    # -- probability (pure maths) -------------------------------------------------------------
    a = torch.randn(4, 3, generator=_gen(11))
    add("probability.logsumexp", "a", real_tensor_variants(a, empty=finite), lambda v: prob.logsumexp(v))
    add("probability.log_softmax", "logits", real_tensor_variants(a, empty=rows0), lambda v: prob.log_softmax(v))
    t = torch.tensor([0, 2, 1, 1])
    for name, fn in [("probability.cross_entropy", prob.cross_entropy), ("probability.naive_cross_entropy", prob.naive_cross_entropy)]:
        add(name, "logits", real_tensor_variants(a) + [("shape:1-D", a[0], "error")], lambda v, f=fn: f(v, t))
        add(name, "target", [("range:out of range", torch.tensor([0, 3, 1, 1]), "error"), ("range:negative", torch.tensor([0, -1, 1, 1]), "error"),
                             ("dtype:float", t.float(), "error"), ("shape:mismatch", t[:2], "error"), ("None", None, "error")],
            lambda v, f=fn: f(a, v))
    tb = torch.tensor([0.0, 1.0, 1.0])
    add("probability.binary_cross_entropy_with_logits", "target",
        [("range:above 1", torch.tensor([0.0, 2.0, 1.0]), "error"), ("shape:mismatch", tb[:2], "error"), ("None", None, "error"),
         ("nan", torch.tensor([0.0, math.nan, 1.0]), "error")],
        lambda v: prob.binary_cross_entropy_with_logits(torch.zeros(3), v))
    add("probability.binary_cross_entropy_with_logits", "logits", real_tensor_variants(torch.zeros(3)),
        lambda v: prob.binary_cross_entropy_with_logits(v, tb if v is None or isinstance(v, str) or len(v) else tb[:0]))
    xs = torch.tensor([0.0, 1.0, 1.0, 0.0])
    add("probability.bernoulli_mle", "x", [("range:not binary", torch.tensor([0.2, 3.0]), "error"), ("empty", xs[:0], "error"),
                                           ("None", None, "error"), ("container:str", "0101", "error"),
                                           ("nan", torch.tensor([0.0, math.nan]), "error")], lambda v: prob.bernoulli_mle(v))
    add("probability.bernoulli_log_likelihood", "x", [("range:not binary", torch.tensor([0.2, 3.0]), "error"), ("None", None, "error")],
        lambda v: prob.bernoulli_log_likelihood(v, 0.3))
    add("probability.bernoulli_log_likelihood", "p", probability_variants(), lambda v: prob.bernoulli_log_likelihood(xs, v))
    add("probability.gaussian_log_likelihood", "sigma", positive_variants(), lambda v: prob.gaussian_log_likelihood(xs, 0.0, v))
    add("probability.gaussian_log_likelihood", "x", real_tensor_variants(xs, empty=finite), lambda v: prob.gaussian_log_likelihood(v, 0.0, 1.0))
    add("probability.gaussian_mle", "x", real_tensor_variants(xs), lambda v: prob.gaussian_mle(v))
    add("probability.categorical_mle", "counts", [("range:negative", torch.tensor([1.0, -1.0, 2.0]), "error"),
                                                  ("range:zero total", torch.zeros(3), "error"), ("None", None, "error"),
                                                  ("empty", torch.zeros(0), "error"), ("nan", torch.tensor([1.0, math.nan]), "error")],
        lambda v: prob.categorical_mle(v))
    add("probability.running_mean", "values", [("shape:2-D", torch.ones(3, 3), "error"), ("None", None, "error"),
                                               ("container:str", "abc", "error"), ("empty", torch.zeros(0), rows0),
                                               ("nan", torch.tensor([1.0, math.nan]), has_nan)], lambda v: prob.running_mean(v))
    normal = lambda n, g: torch.randn(n, generator=g)  # noqa: E731
    add("probability.monte_carlo_mean", "n", size_variants(), lambda v: prob.monte_carlo_mean(lambda s: s, normal, v, _gen()))
    add("probability.monte_carlo_mean", "f", [("container:int", 3, "error"), ("None", None, "error")],
        lambda v: prob.monte_carlo_mean(v, normal, 10, _gen()))
    add("probability.monte_carlo_mean", "generator", generator_variants(), lambda v: prob.monte_carlo_mean(lambda s: s, normal, 10, v))

    # -- counting ---------------------------------------------------------------------------
    for name in ("joint_params", "independent_params", "chain_rule_params", "markov_params"):
        fn = getattr(counting, name)
        add(f"counting.{name}", "n", size_variants(), lambda v, f=fn: f(v))
        add(f"counting.{name}", "k", size_variants() + [("size:one", 1, "error")], lambda v, f=fn: f(3, v))
    add("counting.markov_params", "order", size_variants(minimum=0), lambda v: counting.markov_params(3, 2, v))

    # -- evaluation -------------------------------------------------------------------------
    add("evaluation.bits_per_dim", "n_dims", size_variants(), lambda v: evaluation.bits_per_dim(90.0, v))
    add("evaluation.bits_per_dim", "nll_nats", [("range:negative", -90.0, "error"), ("None", None, "error"),
                                                ("container:str", "90", "error"), ("nan", math.nan, has_nan)],
        lambda v: evaluation.bits_per_dim(v, 784))
    centers = np.array([[0.0, 0.0], [1.0, 1.0]])
    add("evaluation.mode_coverage", "samples", [("shape:width", np.zeros((4, 3)), "error"), ("empty", np.zeros((0, 2)), "error"),
                                                ("None", None, "error"), ("nan", np.full((2, 2), np.nan), "error")],
        lambda v: evaluation.mode_coverage(v, centers, 0.1))
    add("evaluation.mode_coverage", "std", positive_variants(), lambda v: evaluation.mode_coverage(np.zeros((3, 2)), centers, v))
    f = np.random.default_rng(0).standard_normal((10, 3))
    add("evaluation.frechet_distance", "features_b", [("shape:width", f[:, :2], "error"), ("shape:one row", f[:1], "error"),
                                                      ("None", None, "error"), ("nan", np.full((4, 3), np.nan), "error"),
                                                      ("container:str", "abc", "error")],
        lambda v: evaluation.frechet_distance(f, v))
    add("evaluation.gaussian_frechet_distance", "cov2", [("shape:mismatch", np.eye(2), "error"), ("None", None, "error"),
                                                         ("nan", np.full((3, 3), np.nan), "error")],
        lambda v: evaluation.gaussian_frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), v))
    add("evaluation.sample_score", "reference", [("empty", x784[:0], "error"), ("shape:width", x784[:, :10], "error"),
                                                 ("range:0..255", x784 * 255, "error"), ("None", None, "error"),
                                                 ("nan", _with(x784, math.nan), "error")],
        lambda v: evaluation.sample_score(clf, x784, v))
    add("evaluation.sample_score", "samples", [("empty", x784[:0], "error"), ("container:numpy", x784.numpy(), "error"),
                                               ("nan", _with(x784, math.nan), "error")],
        lambda v: evaluation.sample_score(clf, v, x784))
    add("evaluation.sample_score", "min_share", probability_variants(), lambda v: evaluation.sample_score(clf, x784, x784, v))

    # -- training ---------------------------------------------------------------------------
    add("training.seed_everything", "seed", size_variants(minimum=0), lambda v: training.seed_everything(v))
    add("training.pick_device", "preferred", [("choice:unknown", "gpu", "error"), ("choice:int", 3.5, "error"),
                                              ("choice:absent", "mps", "error")]
        + ([("choice:absent cuda", "cuda", "error")] if not torch.cuda.is_available() else []),
        lambda v: training.pick_device(v))
    add("training.torch_threads", "n", [("size:zero", 0, "error"), ("size:float", 1.5, "error"), ("container:str", "2", "error")],
        lambda v: training.torch_threads(v).__enter__())
    add("training.batches", "batch_size", size_variants(), lambda v: list(training.batches(xb, v)))
    add("training.batches", "x", [("None", None, "error"), ("container:list", [1, 2], "error"), ("shape:0-D", torch.tensor(1.0), "error")],
        lambda v: list(training.batches(v, 2)))
    add("training.batches", "generator", generator_variants(), lambda v: list(training.batches(xb, 2, v)))
    nll = lambda m, b: -m.log_prob(b).mean()  # noqa: E731
    add("training.fit", "x_train", [("empty", xb[:0], "error"), ("None", None, "error"), ("container:numpy", xb.numpy(), "error"),
                                    ("nan", _with(xb, math.nan), "error")],
        lambda v: training.fit(made(), nll, v, epochs=1, progress=False))
    add("training.fit", "epochs", size_variants(), lambda v: training.fit(made(), nll, xb, epochs=v, progress=False))
    add("training.fit", "batch_size", size_variants(), lambda v: training.fit(made(), nll, xb, epochs=1, batch_size=v, progress=False))
    add("training.fit", "lr", positive_variants(), lambda v: training.fit(made(), nll, xb, epochs=1, lr=v, progress=False))
    add("training.fit", "loss_fn", [("container:int", 3, "error"), ("None", None, "error")],
        lambda v: training.fit(made(), v, xb, epochs=1, progress=False))
    add("training.fit", "model", [("container:int", 3, "error"), ("None", None, "error")],
        lambda v: training.fit(v, nll, xb, epochs=1, progress=False))
    y = torch.randint(0, 10, (4,), generator=_gen(12))
    tc = lambda **kw: classifier.train_classifier(**{"x": x784, "y": y, "epochs": 1, "progress": False, **kw})  # noqa: E731
    add("classifier.train_classifier", "x", [("range:0..255", x784 * 255, "error"), ("shape:width", x784[:, :10], "error"),
                                             ("empty", x784[:0], "error"), ("None", None, "error"),
                                             ("container:numpy", x784.numpy(), "error"), ("nan", _with(x784, math.nan), "error")],
        lambda v: tc(x=v))
    add("classifier.train_classifier", "y", [("dtype:float", y.float(), "error"), ("range:negative", y - 20, "error"),
                                             ("shape:mismatch", y[:2], "error"), ("None", None, "error")], lambda v: tc(y=v))
    add("classifier.train_classifier", "batch_size", size_variants(), lambda v: tc(batch_size=v))
    add("classifier.train_classifier", "epochs", size_variants(), lambda v: tc(epochs=v))
    add("classifier.train_classifier", "lr", positive_variants(), lambda v: tc(lr=v))

    # -- data -------------------------------------------------------------------------------
    from course_utils import data

    add("data.load_mnist", "split", choice_variants(), lambda v: data.load_mnist(v))
    add("data.load_mnist", "binarize", flag_variants(), lambda v: data.load_mnist("test", v))
    add("data.load_mnist", "path", [("container:int", 3, "error")],
        lambda v: data.load_mnist("test", path=v))
    add("data.load_binarized_mnist", "split", choice_variants(), lambda v: data.load_binarized_mnist(v, data_dir="/nonexistent"))
    add("data.load_binarized_mnist", "download", flag_variants(), lambda v: data.load_binarized_mnist("test", data_dir="/nonexistent", download=v))
    add("data.load_binarized_mnist", "data_dir", [("container:int", 3, "error")], lambda v: data.load_binarized_mnist("test", data_dir=v))

    # -- tensors, plotting ------------------------------------------------------------------
    t12 = torch.arange(12.0).view(3, 4)
    for name in ("storage_values", "layout", "show_layout"):
        fn = getattr(tensors, name)
        add(f"tensors.{name}", "t", [("None", None, "error"), ("container:numpy", t12.numpy(), "error"),
                                     ("container:list", [1, 2], "error"), ("dtype:complex", t12.to(torch.complex64), "error")],
            lambda v, f=fn: f(v))
    add("tensors.show_layout", "t", [("shape:4-D", torch.zeros(1, 1, 1, 2), "error"), ("size:too big", torch.zeros(100), "error")],
        lambda v: tensors.show_layout(v))
    add("tensors.storage_index", "shape", [("shape:mismatch", (2,), "error"), ("range:negative", (-1, 2), "error"),
                                           ("None", None, "error"), ("container:str", "ab", "error")],
        lambda v: tensors.storage_index(v, (2, 1)))
    add("tensors.storage_index", "offset", size_variants(minimum=0), lambda v: tensors.storage_index((2, 2), (2, 1), v))
    idx = torch.tensor([[0, 1], [1, 0]])
    add("tensors.gather_sources", "index", [("dtype:float", idx.float(), "error"), ("shape:1-D", idx[0], "error"), ("None", None, "error")],
        lambda v: tensors.gather_sources(v, 0))
    add("tensors.gather_sources", "dim", [("range:outside", 2, "error"), ("None", None, "error"), ("size:float", 0.5, "error")],
        lambda v: tensors.gather_sources(idx, v))
    add("tensors.show_gather", "index", [("range:out of range", torch.tensor([[0, 5], [1, 0]]), "error"),
                                         ("dtype:float", idx.float(), "error")],
        lambda v: tensors.show_gather(t12, v, 0))
    imgs = torch.rand(3, 784, generator=_gen(13))
    add("plotting.tile", "x", [("shape:width", imgs[:, :100], "error"), ("None", None, "error"), ("empty", imgs[:0], "error"),
                               ("container:str", "abc", "error")], lambda v: plotting.tile(v))
    add("plotting.tile", "ncols", size_variants(), lambda v: plotting.tile(imgs, v))
    add("plotting.array_to_png", "image", [("shape:3-D", np.zeros((2, 2, 2)), "error"), ("None", None, "error"),
                                           ("container:str", "abc", "error")], lambda v: plotting.array_to_png(v))
    add("plotting.array_to_png", "scale", size_variants(), lambda v: plotting.array_to_png(np.zeros((2, 2)), v))
    add("plotting.rgb_to_png", "rgb", [("shape:2-D", np.zeros((2, 2), np.uint8), "error"), ("None", None, "error"),
                                       ("dtype:float", np.full((2, 2, 3), 0.5), "error")], lambda v: plotting.rgb_to_png(v))

    # -- widgets' plain callbacks -------------------------------------------------------------
    from course_utils.widgets import counting as wcounting, probability as wprob, sampling, tensors as wtensors

    add("widgets.probability.render_bernoulli_likelihood", "p", probability_variants(), lambda v: wprob.render_bernoulli_likelihood(v))
    add("widgets.probability.render_bernoulli_likelihood", "n", size_variants(), lambda v: wprob.render_bernoulli_likelihood(0.5, 1, v))
    png = lambda out: isinstance(out, bytes) and out.startswith(b"\x89PNG")  # noqa: E731
    log_slider = [v for v in size_variants() if v[0] != "size:float"] + [("size:float", 2.5, png)]  # a log slider's floats are rounded
    add("widgets.probability.render_law_of_large_numbers", "n", log_slider, lambda v: wprob.render_law_of_large_numbers(v))
    add("widgets.probability.render_clt", "n", log_slider, lambda v: wprob.render_clt(v))
    add("widgets.probability.sample_means", "n", size_variants(), lambda v: wprob.sample_means(v))
    add("widgets.counting.render_counts", "order", size_variants(minimum=0), lambda v: wcounting.render_counts(10, 2, v))
    add("widgets.counting.render_counts", "n_max", size_variants(), lambda v: wcounting.render_counts(v))
    add("widgets.tensors.strided_view", "rows", size_variants(), lambda v: wtensors.strided_view(v, 2, 1, 1, 0))
    add("widgets.tensors.render_strides", "offset", [("size:float", 0.5, "error"), ("None", None, "error"), ("container:str", "0", "error")],
        lambda v: wtensors.render_strides(2, 2, 2, 1, v))
    nade_model = made()
    add("widgets.sampling.sampling_trace", "model", [("container:int", 3, "error"), ("None", None, "error"),
                                                     ("shape:wrong size", nade_model, "error")],
        lambda v: sampling.sampling_trace(v, _gen(), shape=(28, 28)))
    add("widgets.sampling.sampling_trace", "shape", [("shape:mismatch", (2, 2), "error"), ("None", None, "error"),
                                                     ("range:negative", (-2, -3), "error")],
        lambda v: sampling.sampling_trace(nade_model, _gen(), shape=v))
    add("widgets.sampling.sampling_trace", "generator", generator_variants(), lambda v: sampling.sampling_trace(nade_model, v, shape=(2, 3)))

    # -- notebook 07: the flow and the diffusion model (names added after the validation layer) --------
    from course_utils.models import denoisers, diffusion, elbo as delbo, flow

    nvp = lambda: fresh(lambda: flow.RealNVP(2, 2, 4))  # noqa: E731
    T7 = 4
    ddpm = lambda: fresh(lambda: diffusion.DDPM(denoisers.PointDenoiser(2, T7, 4, 1), 2, T7, "cosine"))  # noqa: E731
    for name, call in [("RealNVP.log_prob", lambda v: nvp().log_prob(v)), ("RealNVP.forward", lambda v: nvp()(v)),
                       ("DDPM.q_sample", lambda v: ddpm().q_sample(v, 2, generator=_gen())),
                       ("DDPM.score", lambda v: ddpm().score(v, 2)),
                       ("DDPM.elbo", lambda v: ddpm().elbo(v, generator=_gen())),
                       ("DDPM.log_prob_estimate", lambda v: ddpm().log_prob_estimate(v, 3, _gen())),
                       ("elbo.elbo_terms", lambda v: delbo.elbo_terms(ddpm(), v, _gen()))]:
        arg = {"DDPM.q_sample": "x0", "DDPM.score": "xt"}.get(name, "x")
        empty = rows0 if name != "elbo.elbo_terms" else (lambda r: r["prior"].shape == (0,) and r["eps"].shape == (T7, 0, 2))
        add(name, arg, batch_variants(x2, "real", empty=empty), call, x2)
    add("RealNVP.inverse", "z", batch_variants(x2, "real", empty=rows0), lambda v: nvp().inverse(v), x2)
    add("DDPM.loss", "x0", batch_variants(x2, "real", empty="error"), lambda v: (torch.manual_seed(0), ddpm().loss(v))[1], x2)
    for name, call in [("RealNVP.sample", lambda n, g: nvp().sample(n, g)), ("DDPM.sample", lambda n, g: ddpm().sample(n, g)),
                       ("DDPM.ddim_sample", lambda n, g: ddpm().ddim_sample(n, 2, g)),
                       ("DDPM.trajectory", lambda n, g: ddpm().trajectory(n, g))]:
        add(name, "n", count_variants(), lambda v, c=call: c(v, _gen()))
        add(name, "generator", generator_variants(), lambda v, c=call: c(2, v))
    times = [("range:zero", 0, "error"), ("range:above T", T7 + 1, "error"), ("size:float", 1.5, "error"),
             ("size:bool", True, "error"), ("None", None, "error"), ("dtype:float", torch.ones(8), "error"),
             ("shape:mismatch", torch.ones(3, dtype=torch.long), "error"),
             ("range:tensor", torch.full((8,), T7 + 1, dtype=torch.long), "error")]
    add("DDPM.q_sample", "t", times, lambda v: ddpm().q_sample(x2, v))
    add("DDPM.score", "t", times, lambda v: ddpm().score(x2, v))
    add("DDPM.q_sample", "noise", [("shape:mismatch", x2[:3], "error"), ("nan", _with(x2, math.nan), "error"),
                                   ("container:numpy", x2.numpy(), "error")], lambda v: ddpm().q_sample(x2, 1, v))
    add("DDPM.q_sample", "generator", generator_variants(), lambda v: ddpm().q_sample(x2, 1, generator=v))
    add("DDPM.ddim_sample", "steps", size_variants() + [("range:above T", T7 + 1, "error")], lambda v: ddpm().ddim_sample(2, v))
    add("DDPM.ddim_sample", "eta", [("range:negative", -1.0, "error"), ("nan", math.nan, "error"),
                                    ("container:str", "0", "error"), ("None", None, "error")],
        lambda v: ddpm().ddim_sample(2, 2, eta=v))
    for name, call in [("DDPM.sample", lambda v: ddpm().sample(2, clip=v)),
                       ("DDPM.ddim_sample", lambda v: ddpm().ddim_sample(2, 2, clip=v))]:
        add(name, "clip", [v for v in positive_variants() if v[0] != "None"], call)
    add("DDPM.trajectory", "keep", [("range:above T", [T7 + 1], "error"), ("range:negative", [-1], "error"),
                                    ("size:float", [1.5], "error"), ("container:int", 3, "error"),
                                    ("container:str", "12", "error")], lambda v: ddpm().trajectory(2, keep=v))
    add("DDPM.elbo", "n_samples", size_variants(), lambda v: ddpm().elbo(x2, n_samples=v))
    add("DDPM.elbo", "generator", generator_variants(), lambda v: ddpm().elbo(x2, generator=v))
    add("DDPM.log_prob_estimate", "k", size_variants(), lambda v: ddpm().log_prob_estimate(x2, v))
    add("elbo.elbo_terms", "noise", [("shape:mismatch", torch.zeros(T7, 3, 2), "error"), ("None", "abc", "error")],
        lambda v: delbo.elbo_terms(ddpm(), x2, noise=v))
    for name, ctor, args in [("RealNVP", flow.RealNVP, {"n_dims": 2, "n_layers": 2, "n_hidden": 3}),
                             ("DDPM", lambda **a: diffusion.DDPM(denoisers.PointDenoiser(2, 4), **a), {"n_dims": 2, "T": 4}),
                             ("diffusion.beta_schedule", diffusion.beta_schedule, {"T": 4})]:
        for arg in args:
            add(name, arg, size_variants(), lambda v, c=ctor, a=args, k=arg: c(**{**a, k: v}))
    add("RealNVP", "n_dims", [("range:one", 1, "error")], lambda v: flow.RealNVP(v))
    add("diffusion.beta_schedule", "kind", choice_variants(), lambda v: diffusion.beta_schedule(4, v))
    for arg in ("schedule", "variance"):
        add("DDPM", arg, choice_variants(), lambda v, a=arg: diffusion.DDPM(denoisers.PointDenoiser(2, 4), 2, 4, **{a: v}))
    add("DDPM", "denoiser", [("container:int", 3, "error"), ("None", None, "error"),
                             ("container:function", lambda x, t: x, "error")], lambda v: diffusion.DDPM(v, 2, 4))
    add("diffusion.to_pixels", "x", [("None", None, "error"), ("container:list", [0.0, 1.0], "error"),
                                     ("container:numpy", np.zeros(3), "error")], lambda v: diffusion.to_pixels(v))

    # -- the git sandbox ------------------------------------------------------------------------
    from course_utils.gitsandbox import GitSandbox

    box: dict = {}

    def sandbox():
        if "sb" not in box:
            box["sb"] = GitSandbox()
        return box["sb"]

    add("GitSandbox.run", "command", [("None", None, "error"), ("container:int", 3, "error"), ("empty", "", "error"),
                                      ("choice:not git", "ls -la", "error"), ("choice:two commands", "git status && touch x", "error"),
                                      ("range:outside", "git config -f/tmp/x.cfg user.name x", "error"),
                                      ("range:alias", "git -c alias.x=!true x", "error")],
        lambda v: sandbox().run(v))
    add("GitSandbox.run", "who", choice_variants(), lambda v: sandbox().run("git status", who=v))
    add("GitSandbox.write", "path", [("None", None, "error"), ("range:outside", "../../x.txt", "error"),
                                     ("range:absolute", "/tmp/x.txt", "error"), ("range:.git", ".git/config", "error")],
        lambda v: sandbox().write(v, "x\n"))
    add("GitSandbox.write", "text", [("None", None, "error"), ("container:bytes", b"x", "error")], lambda v: sandbox().write("a.txt", v))
    add("GitSandbox.commit", "message", [("None", None, "error"), ("empty", "  ", "error"), ("container:int", 3, "error")],
        lambda v: sandbox().commit(v))
    add("GitSandbox", "remote", flag_variants(), lambda v: GitSandbox(remote=v).close())
    return box


def cases() -> list[Case]:
    if not CASES:
        _build()
    return CASES


def run() -> list[tuple[Case, str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases():
            outcome, detail = classify(case)
            results.append((case, outcome, detail))
    import matplotlib.pyplot as plt

    plt.close("all")
    return results


def summary(results) -> dict:
    outcomes = Counter(outcome for _, outcome, _ in results)
    n = len(results)
    funcs = {c.func for c, _, _ in results}
    good = outcomes["clear"] + outcomes["handled"]
    due = [(c, o) for c, o, _ in results if c.expect == "error"]
    clear_due = sum(o == "clear" for _, o in due)
    return {"cases": n, "callables": len(funcs), **{k: outcomes[k] for k in ("clear", "handled", "unclear", "accepted", "wrong")},
            "clear_share": outcomes["clear"] / n, "right_share": good / n,
            "error_due": len(due), "clear_when_due": clear_due / max(len(due), 1)}


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", default="unclear,accepted,wrong", help="outcomes to list (comma-separated)")
    args = parser.parse_args(argv)
    results = run()
    show = set(args.show.split(",")) if args.show else set()
    for case, outcome, detail in results:
        if outcome in show:
            print(f"{outcome:9s} {case.id}: {detail}")
    s = summary(results)
    print(f"\n{s['cases']} cases over {s['callables']} callables (course_utils at {CU_DIR})")
    for key in ("clear", "handled", "unclear", "accepted", "wrong"):
        print(f"  {key:9s} {s[key]:5d}  {100 * s[key] / s['cases']:5.1f}%")
    print(f"  clear error: {100 * s['clear_share']:.1f}% of all cases, {100 * s['clear_when_due']:.1f}% of the "
          f"{s['error_due']} cases where an error is due; clear error or right result by decision: {100 * s['right_share']:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
