#!/usr/bin/env python3
"""The diffusers side of issue 14's table: the same parts as `diffseg bench` (src/bench/sd-table.sh), timed the same
way (one warm-up, then the median of REPEAT runs), on the same model folder, 2 threads, float32, eager.

Not part of DiffSeg: a reference to compare against, side by side on one machine. Set-up without PyPI (diffusers has
no wheel in this machine's store; its source is public):

    python3 -m venv /tmp/dvenv
    /tmp/dvenv/bin/pip install --no-index --find-links /opt/pypi/files --find-links /opt/wheels \
        torch numpy pillow safetensors huggingface_hub regex requests filelock importlib_metadata
    PYTHONPATH=/path/to/diffusers/src /tmp/dvenv/bin/python src/bench/diffusers-table.py /tmp/diffseg-sd15-seed1 256

Prints one JSON object: median ms per part, the torch and diffusers versions, the process's peak RSS, its user and
sys CPU seconds.
"""
import json
import resource
import statistics
import sys
import time

import torch
import diffusers
from diffusers import AutoencoderKL, UNet2DConditionModel

model = sys.argv[1]
sizes = [int(s) for s in sys.argv[2:]] or [256]
repeat = 3
torch.set_num_threads(2)
torch.manual_seed(0)

unet = UNet2DConditionModel.from_pretrained(model, subfolder="unet").eval()
vae = AutoencoderKL.from_pretrained(model, subfolder="vae").eval()
weight_bytes = sum(p.numel() * p.element_size() for m in (unet, vae) for p in m.parameters())


def median_ms(fn):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def unet_forward(size):
    latents = torch.randn(2, unet.config.in_channels, size // 8, size // 8)
    context = torch.randn(2, 77, unet.config.cross_attention_dim)
    with torch.no_grad():
        unet(latents, 500, encoder_hidden_states=context)


def vae_encode_backward(size):
    image = (torch.rand(1, 3, size, size) * 2 - 1).requires_grad_(True)
    vae.encode(image).latent_dist.mean.sum().backward()


def vae_decode(size):
    z = torch.randn(1, vae.config.latent_channels, size // 8, size // 8)
    with torch.no_grad():
        vae.decode(z)


for p in vae.parameters():
    p.requires_grad_(False)
out = {"diffusers": diffusers.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
       "weight_bytes": weight_bytes}
for size in sizes:
    for name, fn in (("unet_forward", unet_forward), ("vae_encode_backward", vae_encode_backward),
                     ("vae_decode", vae_decode)):
        out[f"{name}_{size}_ms"] = median_ms(lambda: fn(size))
usage = resource.getrusage(resource.RUSAGE_SELF)
out["peak_rss_bytes"] = usage.ru_maxrss * 1024
out["user_s"], out["sys_s"] = round(usage.ru_utime, 1), round(usage.ru_stime, 1)
out["sys_share"] = round(usage.ru_stime / (usage.ru_utime + usage.ru_stime), 3)
print(json.dumps(out))
