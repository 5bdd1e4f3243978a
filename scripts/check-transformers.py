#!/usr/bin/env python3
"""Checks a kapla-import report of a zoo transformer against its published
configuration, layer by layer, and against its published parameter count.

Usage: check-transformers.py NETWORK REPORT_JSON BATCH

For the network's configuration (below, from its paper or model card) the
expected layers are listed independently of zoo/generate.py: every FC
(its rows N, input width C, output width K) and every MATMUL (rows N =
query heads x rows per head, depth C, keys K) by name, and the number of
ELTWISE layers (norms, softmax steps, residual adds, SwiGLU products); the
report must have exactly these. Then:
- the weights of the layers (C x K of every FC, the patch convolution's
  K x C x R x S) must equal the published parameter count less the
  parameters no layer holds (embedding tables that are gathered, position
  embeddings, biases, norm gains), each listed;
- the MACs of the FC and MATMUL layers (and the convolution) must equal the
  count from the configuration (FC: rows x weights; attention: per layer,
  heads x query rows x keys x head width, twice: scores and context).
"""
import json
import sys


def gpt2():
    # Radford et al. 2019; the released "124M" checkpoint: 12 blocks, d 768,
    # 12 heads, FFN 3072, vocabulary 50257, context 1024; 124,439,808
    # parameters. Not in layers: the position table (1024 x 768), the QKV,
    # projection and FFN biases (12 x 6912), the layer norms (25 x 1536).
    # The token table is tied to the LM head: it counts once, as the head.
    return dict(blocks=12, tokens=1024, hidden=768, heads=12, kv=12,
                ffn=3072, vocab=50257, fused=True, swiglu=False,
                eltwise_per_block=14, eltwise_final=4, cache=None,
                published=124_439_808,
                not_layers=1024 * 768 + 12 * (2304 + 768 + 3072 + 768) +
                25 * 1536)


def llama(decode):
    # Touvron et al. 2023, LLaMA 2 (7B): 32 blocks, d 4096, 32 heads,
    # SwiGLU FFN 11008, vocabulary 32000, RMSNorm, rotary embeddings;
    # 6,738,415,616 parameters. Not in layers: the token table (gathered,
    # 32000 x 4096) and the RMSNorm gains (65 x 4096). The rotary
    # embedding has no parameters (it is fused into the query and key
    # projections as their epilogue).
    return dict(blocks=32, tokens=1 if decode else 2048, hidden=4096,
                heads=32, kv=32, ffn=11008, vocab=32000, fused=False,
                swiglu=True, eltwise_per_block=11, eltwise_final=2,
                cache=2048 if decode else None, published=6_738_415_616,
                not_layers=32000 * 4096 + 65 * 4096)


def mixtral_block():
    # Jiang et al. 2024, Mixtral 8x7B: 32 blocks, d 4096, 32 heads with 8
    # KV heads, 8 SwiGLU experts of 14336, top-2, vocabulary 32000;
    # 46,702,792,704 parameters, so one block holds (46,702,792,704 - 2 x
    # 32000 x 4096 - 4096) / 32 = 1,451,270,144. Not in layers: its two
    # RMSNorm gains (2 x 4096). The router's choice is fixed: expert e
    # serves a quarter of the rows, tokens x 2 / 8 = 512.
    per_block = (46_702_792_704 - 2 * 32000 * 4096 - 4096) // 32
    return dict(blocks=1, tokens=2048, hidden=4096, heads=32, kv=8,
                ffn=14336, vocab=None, fused=False, swiglu=True, experts=8,
                eltwise_per_block=34 - 0, eltwise_final=0, cache=None,
                published=per_block, not_layers=2 * 4096)


def vit():
    # Dosovitskiy et al. 2021, ViT-B/16 at 224 x 224: 196 patches of 16 x
    # 16 and a class token, 12 blocks, d 768, 12 heads, MLP 3072, 1000
    # classes; 86,567,656 parameters (the timm checkpoint). Not in layers:
    # the patch bias (768), class token (768), position table (197 x 768),
    # block biases (12 x 6912), layer norms (25 x 1536), head bias (1000).
    return dict(blocks=12, tokens=197, hidden=768, heads=12, kv=12,
                ffn=3072, vocab=None, classes=1000, fused=False,
                swiglu=False, eltwise_per_block=14, eltwise_final=4,
                cache=None, patches=(3, 16, 196), published=86_567_656,
                not_layers=768 + 768 + 197 * 768 + 12 * 6912 + 25 * 1536 +
                1000)


NETWORKS = {"gpt2_small": gpt2, "llama2_7b_prefill": lambda: llama(False),
            "llama2_7b_decode": lambda: llama(True),
            "gqa_moe_block": mixtral_block, "vit_b16": vit}


def expected(cfg, batch):
    """{name: (kind, N, C, K)} of the FC and MATMUL layers; ELTWISE count."""
    t, d, h, kv = cfg["tokens"], cfg["hidden"], cfg["heads"], cfg["kv"]
    dh = d // h
    rows = t * batch
    keys = cfg["cache"] or t
    layers = {}
    for i in range(cfg["blocks"]):
        p = f"b{i}_"
        if cfg["fused"]:
            layers[p + "qkv"] = ("FC", rows, d, d + 2 * kv * dh)
        else:
            layers[p + "query"] = ("FC", rows, d, d)
            layers[p + "key"] = ("FC", rows, d, kv * dh)
            layers[p + "value"] = ("FC", rows, d, kv * dh)
        # Per KV head, the h / kv query heads of its group as rows.
        layers[p + "scores"] = ("MATMUL", h * rows, dh, keys)
        layers[p + "context"] = ("MATMUL", h * rows, keys, dh)
        layers[p + "attn_out"] = ("FC", rows, d, d)
        if cfg.get("experts"):
            e = cfg["experts"]
            layers[p + "router"] = ("FC", rows, d, e)
            share = rows * 2 // e
            for x in range(e):
                q = p + f"expert{x}_"
                layers[q + "gate"] = ("FC", share, d, cfg["ffn"])
                layers[q + "up"] = ("FC", share, d, cfg["ffn"])
                layers[q + "down"] = ("FC", share, cfg["ffn"], d)
        elif cfg["swiglu"]:
            layers[p + "gate"] = ("FC", rows, d, cfg["ffn"])
            layers[p + "up"] = ("FC", rows, d, cfg["ffn"])
            layers[p + "down"] = ("FC", rows, cfg["ffn"], d)
        else:
            layers[p + "ffn_up"] = ("FC", rows, d, cfg["ffn"])
            layers[p + "ffn_down"] = ("FC", rows, cfg["ffn"], d)
    if cfg["vocab"]:
        layers["lm_head"] = ("FC", rows, d, cfg["vocab"])
    if cfg.get("classes"):
        layers["head"] = ("FC", batch, d, cfg["classes"])
    return layers


def main(network, report_path, batch):
    cfg = NETWORKS[network]()
    report = json.load(open(report_path, encoding="utf-8"))
    got = {l["name"]: l for l in report["layers"]}
    want = expected(cfg, batch)
    errors = []
    for name, (kind, n, c, k) in want.items():
        l = got.get(name)
        if l is None:
            errors.append(f"{name}: missing")
            continue
        dims = (l["kind"], l["dims"]["N"], l["dims"]["C"], l["dims"]["K"])
        if dims != (kind, n, c, k):
            errors.append(f"{name}: {dims}, expected {(kind, n, c, k)}")
    extra = [l["name"] for l in report["layers"]
             if l["kind"] in ("FC", "MATMUL") and l["name"] not in want]
    if extra:
        errors.append(f"layers not in the configuration: {extra[:5]}")
    eltwise = sum(l["kind"] == "ELTWISE" for l in report["layers"])
    want_eltwise = cfg["blocks"] * cfg["eltwise_per_block"] + \
        cfg["eltwise_final"]
    if eltwise != want_eltwise:
        errors.append(f"{eltwise} ELTWISE layers, expected {want_eltwise}")

    weights = sum(l["dims"]["C"] * l["dims"]["K"] for l in report["layers"]
                  if l["kind"] == "FC")
    macs = sum(l["macs"] for l in report["layers"]
               if l["kind"] in ("FC", "MATMUL", "CONV"))
    convs = [l for l in report["layers"] if l["kind"] == "CONV"]
    for l in convs:
        dm = l["dims"]
        weights += dm["K"] * dm["C"] * dm["R"] * dm["S"]
    if cfg.get("patches"):
        c, p, n = cfg["patches"]
        if len(convs) != 1 or convs[0]["dims"]["Ho"] * convs[0]["dims"]["Wo"] \
                != n or convs[0]["dims"]["R"] != p:
            errors.append("the patch embedding is not one 16x16 convolution "
                          "over 196 patches")
    if weights != cfg["published"] - cfg["not_layers"]:
        errors.append(f"the layers hold {weights} weights; published "
                      f"{cfg['published']} less {cfg['not_layers']} is "
                      f"{cfg['published'] - cfg['not_layers']}")
    t, d, h = cfg["tokens"], cfg["hidden"], cfg["heads"]
    keys = cfg["cache"] or t
    fc_macs = sum(n * c * k for kind, n, c, k in want.values() if kind == "FC")
    attn = cfg["blocks"] * 2 * h * t * batch * keys * (d // h)
    conv = 0
    if cfg.get("patches"):
        c, p, n = cfg["patches"]
        conv = batch * n * d * c * p * p
    if macs != fc_macs + attn + conv:
        errors.append(f"{macs} MACs, expected {fc_macs + attn + conv}")
    print(f"{network}: {len(want)} FC and MATMUL layers and {eltwise} ELTWISE "
          f"as configured; {weights} weights ({cfg['published']} published); "
          f"{macs} MACs; {len(errors)} errors")
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
