"""Training settings shared by the CLI's ``attack``/``train``, the model zoo and the demo, so
the models they produce come from the same recipe (kept free of torch for fast CLI start-up)."""

TRAINING = {"epochs": 8, "batch_size": 64, "lr": 2e-3, "optimizer": "adam"}
