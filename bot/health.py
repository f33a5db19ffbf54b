"""GET /healthz (the process is alive) and GET /readyz (it can answer questions).

Readiness needs the three parts a question goes through: Rasa, the action server and
the search index. They are probed in parallel with short timeouts so a load balancer
gets its answer within ~2 s even when a part hangs.
"""
import logging
from concurrent.futures import ThreadPoolExecutor

import requests
from flask import Blueprint, current_app, jsonify

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


def check_rasa(base_url: str, token: str, timeout: float) -> dict:
    # Our channel's health route (dialogue/channel.py) answers once the model is loaded;
    # no token needed, so none goes into a URL.
    try:
        response = requests.get(f"{base_url}/webhooks/webapp/", timeout=timeout)
    except requests.RequestException as error:
        return {"ready": False, "detail": f"không kết nối được Rasa ({type(error).__name__})"}
    if response.status_code != 200:
        return {"ready": False, "detail": f"Rasa trả về HTTP {response.status_code}"}
    try:
        ok = response.json().get("status") == "ok"
    except (ValueError, AttributeError):
        ok = False
    if not ok:
        return {"ready": False, "detail": "máy chủ tại địa chỉ Rasa không phải Rasa"}
    return {"ready": True, "detail": "ok"}


def check_actions(base_url: str, timeout: float) -> dict:
    try:
        response = requests.get(f"{base_url}/health", timeout=timeout)
        status = response.json().get("status") if response.status_code == 200 else None
    except requests.RequestException as error:
        return {"ready": False, "detail": f"không kết nối được máy chủ hành động ({type(error).__name__})"}
    except (ValueError, AttributeError):
        status = None
    if status != "ok":
        return {"ready": False, "detail": f"máy chủ hành động trả về HTTP {response.status_code}"}
    return {"ready": True, "detail": "ok"}


def check_index() -> dict:
    try:
        # Imported here: index.retrieval.status is optional for the web app, and importing it may
        # load the search index, which only readiness needs.
        from index.retrieval.status import index_status
    except ImportError as error:
        return {"ready": False, "detail": f"chưa có mô-đun index.retrieval.status ({error})"}
    try:
        status = index_status()
        if not status.get("ready"):
            return {"ready": False, "detail": str(status.get("detail", ""))}
        return _plan_set(str(status.get("detail", "")))
    except Exception as error:  # any failure of the index is "not ready", never a crash
        log.exception("index status check failed")
        return {"ready": False, "detail": f"lỗi khi kiểm tra chỉ mục ({type(error).__name__})"}


def _plan_set(detail: str) -> dict:
    """The index must have been built from the plans that are published now: a plan set
    changed without its index (a publish interrupted, files edited by hand) answers with
    one plan's values and another's passages. While a publish is running (its journal
    and lock, index/publish.py) the mismatch is expected and reported as such."""
    from index import publish
    from index.retrieval.store import plans_mismatch

    differ = plans_mismatch()
    if not differ:
        return {"ready": True, "detail": detail}
    if publish.in_progress():
        return {"ready": True, "detail": f"{detail}; đang công bố kế hoạch ({', '.join(differ)})"}
    return {"ready": False, "detail": "chỉ mục không khớp với các kế hoạch đang công bố "
                                      f"({', '.join(differ)}): chạy `python -m index recover`"}


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    config = current_app.config["HTS"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            "rasa": pool.submit(check_rasa, config.rasa_url, config.rasa_token, config.readiness_timeout),
            "actions": pool.submit(check_actions, config.actions_url, config.readiness_timeout),
            "index": pool.submit(check_index),
        }
        checks = {name: future.result() for name, future in futures.items()}
    not_ready = [name for name, check in checks.items() if not check["ready"]]
    if not_ready:
        log.warning("not ready: %s", ", ".join(f"{n} ({checks[n]['detail']})" for n in not_ready))
        response = jsonify({"status": "not_ready", "not_ready": not_ready, "checks": checks})
        response.status_code = 503
    else:
        response = jsonify({"status": "ready", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response
