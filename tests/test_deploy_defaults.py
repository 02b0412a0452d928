"""The Kubernetes values are safe as shipped: Rasa's HTTP API (every tracker, model uploads) is off, and every
Redis the chat server talks to needs its password."""
import yaml

from recovery_support.paths import ROOT


def test_the_helm_values_turn_rasas_http_api_off_and_use_redis_passwords():
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yml").read_text(encoding="utf-8"))
    settings = values["applicationSettings"]
    assert settings["enableAPI"] is False
    assert settings.get("token") != "rasaToken"  # the chart's default token, if the API is ever turned on
    assert settings["endpoints"]["lockStore"]["password"] == "${REDIS_PASSWORD}"
    socketio = settings["credentials"]["additionalChannelCredentials"][
        "recovery_support.channels.socketio.ClinicSocketIOInput"]
    assert socketio["message_queue"].startswith("redis://:${REDIS_PASSWORD}@")


def test_every_way_of_running_the_chat_server_uses_one_compute_thread():
    """A spinning thread pool cost a core (recovery_support/cpu_threads.py): make run, the replicas (which import
    the same values) and the Helm values all set it."""
    from recovery_support.cpu_threads import ONE_THREAD_ENV

    run_sh = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yml").read_text(encoding="utf-8"))
    helm = {item["name"]: item.get("value") for item in values["extraEnv"]}
    for name, value in ONE_THREAD_ENV.items():
        assert f"{name}={value}" in run_sh, name
        assert helm.get(name) == value, name
