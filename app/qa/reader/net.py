"""The trainable reader (torch; training only — serving runs the exported ONNX graph).

A bi-encoder over the base e5 model: mean-pooled, L2-normalised ``query:`` and ``passage:``
vectors, a sentence's score is ``scale · cos(q, s)``, and a "no answer" option competes with
the sentences in one softmax, its score ``scale · (w · q + b)``. It starts exactly at e5's own
ranking (the cosine), so a short fine-tune on our data improves on it rather than learning
from nothing. Only the top ``TRAINED_LAYERS`` transformer layers learn: the rest (and the
250,002-row token table) stay the base model's, so their output is computed once per text
and the shipped file holds only the trained layers.
"""

from __future__ import annotations

import torch
from torch import nn

TRAINED_LAYERS = 4  # of 12: a 13.5 MB file and 0.35 s a step here; other counts not compared yet
INITIAL_SCALE = 20.0  # ~1/temperature: e5's cosines spread over ~0.1, so 20 makes a usable softmax
INITIAL_NULL = 0.80  # "no answer" starts as a sentence of cosine 0.80: near e5's typical best match


class Reader(nn.Module):
    def __init__(self, bert, trained_layers: int = TRAINED_LAYERS):
        super().__init__()
        self.bert = bert
        layers = bert.encoder.layer
        self.first_trained = len(layers) - trained_layers
        for p in bert.parameters():
            p.requires_grad_(False)
        for layer in layers[self.first_trained :]:
            for p in layer.parameters():
                p.requires_grad_(True)
        hidden = bert.config.hidden_size
        self.log_scale = nn.Parameter(torch.tensor(float(torch.log(torch.tensor(INITIAL_SCALE)))))
        self.null_w = nn.Parameter(torch.zeros(hidden))
        self.null_b = nn.Parameter(torch.tensor(INITIAL_NULL))

    def trained_state(self) -> dict[str, torch.Tensor]:
        """What differs from the base model: the trained layers and the head."""
        prefix = "bert.encoder.layer."
        keep = {f"{prefix}{i}." for i in range(self.first_trained, len(self.bert.encoder.layer))}
        return {k: v.detach().clone() for k, v in self.state_dict().items()
                if any(k.startswith(p) for p in keep) or not k.startswith("bert.")}

    @torch.no_grad()
    def frozen_part(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Hidden states entering the first trained layer (computed once per text)."""
        out = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids),
                        output_hidden_states=True)
        return out.hidden_states[self.first_trained]

    def top(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The trained layers, mean pooling over every token (as e5), L2 norm."""
        extended = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        for layer in self.bert.encoder.layer[self.first_trained :]:
            out = layer(hidden, attention_mask=extended)
            hidden = out[0] if isinstance(out, tuple) else out
        weights = mask[:, :, None].to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)

    def logits(self, query: torch.Tensor, sentences: torch.Tensor) -> torch.Tensor:
        """Scores of the sentences, then of "no answer" (last), for one question."""
        scale = self.log_scale.exp()
        sims = sentences @ query
        null = query @ self.null_w + self.null_b
        return scale * torch.cat([sims, null[None]])
