"""The reading model trained here: a listwise sentence ranker with a "no answer" option,
fine-tuned from the project's own e5 weights (``python -m app.qa.train_reader``).

``data`` turns datasets into reading examples, ``net`` is the trainable network (torch),
``train`` fits it, ``weights`` stores only what differs from the base model, and ``serve``
scores sentences on ONNX Runtime without torch.
"""
