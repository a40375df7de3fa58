"""``trojanscope serve``: the model behind an HTTP API with a run-time input guard, metrics and
incident records (needs ``pip install 'trojanscope[serve]'``)."""

from __future__ import annotations

import socket
from pathlib import Path

import typer

from trojanscope.cli.common import command, parse_params, refuse_early, status, stderr_line
from trojanscope.errors import UserInputError
from trojanscope.params import check_share


def check_listen(host: str, port: int) -> None:
    """Refuse an address the service could not listen on (an unknown host, a port in use or
    not allowed) in one line, before the model is loaded and the guard fitted."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a host name IDNA refuses
        raise UserInputError(f"--host/--port: cannot listen on {host}:{port} "
                             f"({getattr(exc, 'strerror', None) or exc})") from None


def serve_command(
    model: Path = typer.Argument(..., help="Model: a run folder, TorchScript, ONNX or "
                                 "safetensors with its manifest."),
    data: str = typer.Option(None, "--data", help="Clean inputs the guard's threshold is set "
                             "on (.npz with x; a data file/folder or bundled dataset name)."),
    guard: str = typer.Option("auto", "--guard", help="Input detector (see `trojanscope list "
                              "input-detector`), or none. auto: one-pass Mahalanobis "
                              "(no consistency transforms)."),
    guard_param: list[str] | None = typer.Option(None, "--guard-param", help="Detector "
                                                 "parameter name=value (repeatable)."),
    fpr: float = typer.Option(0.01, "--fpr", help="Share of clean inputs the guard may flag."),
    on_flag: str = typer.Option("flag", "--on-flag", help="flag: answer flagged inputs with "
                                "the flag set; refuse: answer them with a null prediction."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on."),
    backend: str = typer.Option("auto", "--backend", help="auto (ONNX Runtime for an ONNX "
                                "model where it measures faster), torch or onnxruntime."),
    max_batch: int = typer.Option(256, "--max-batch", min=1, help="Most inputs per request."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb", min=0.001, help="Largest request "
                                      "body (MB)."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.01, help="Seconds a request may "
                                  "take before it is answered 503."),
    db: str = typer.Option(None, "--db", help="Database for incidents (path or SQLAlchemy URL; "
                           "default: the audit history's)."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for the guard's random choices."),
) -> None:
    """Serve MODEL over HTTP with a guard that flags triggered inputs (POST /v1/predict)."""
    check_share("--fpr", fpr)  # before the imports below (seconds)
    refuse_early(data={"--data": data})  # the model's path: after the port (its tests)
    try:
        import uvicorn

        from trojanscope.serve.app import create_app
    except ImportError as exc:
        raise UserInputError(f"serve needs the optional extra (missing {exc.name!r}): pip "
                             "install 'trojanscope[serve]'") from None
    from trojanscope.audit.history import safe_url
    from trojanscope.serve.service import ServeOptions, build_service

    check_listen(host, port)
    options = ServeOptions(data=data, guard=guard, fpr=fpr, on_flag=on_flag, backend=backend,
                           db=db, seed=seed, guard_params=parse_params(guard_param,
                                                                       "--guard-param"))
    with status(f"loading {model} and fitting the guard…"):
        service, info = build_service(model, options)
    app = create_app(service, max_batch=max_batch, max_body=int(max_body_mb * 1e6),
                     timeout_s=timeout)
    guard_text = (f"guard {info['guard']} (threshold {info['threshold']:.4g} at FPR {fpr:g}, "
                  f"{info['clean_inputs']} clean inputs)" if info["guard"] else "no guard")
    stderr_line(f"serving {model} (sha256 {service.model_sha256[:12]}, {info['backend']}) with "
                f"{guard_text}; incidents to {safe_url(info['db'])}")
    stderr_line(f"listening on http://{host}:{port} (POST /v1/predict, GET /healthz, "
                "GET /metrics); Ctrl-C stops")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=5,
                    limit_concurrency=64)
    finally:
        service.close()  # the app's shutdown did this already unless start-up failed


command("serve", order=78)(serve_command)
