"""An agent on the Python OpAMP client (opentelemetry-opamp-client, HTTP transport) for ampgate's
interop suite: it connects with a bearer token, reports its description and effective config,
applies remote configs the client can decode (JSON), reports APPLIED or FAILED, and prints one
JSON event per line on stdout.

Usage: python agent.py --endpoint http://127.0.0.1:4320/v1/opamp --token ampe_... --service-name py
"""

import argparse
import json
import signal
import sys
import threading

from opentelemetry._opamp.agent import OpAMPAgent
from opentelemetry._opamp.callbacks import OpAMPCallbacks
from opentelemetry._opamp.client import OpAMPClient
from opentelemetry._opamp.proto import opamp_pb2

_lock = threading.Lock()


def emit(event, **fields):
    with _lock:
        print(json.dumps({"event": event, **fields}), flush=True)


class Callbacks(OpAMPCallbacks):
    def on_connect(self, agent, client):
        emit("connected")

    def on_connect_failed(self, agent, client, error):
        emit("connect_failed", error=str(error))

    def on_error(self, agent, client, error_response):
        emit("server_error", message=error_response.error_message)

    def on_message(self, agent, client, message):
        rc = message.remote_config
        if rc is None:
            return
        digest = rc.config_hash.hex()
        try:
            files = dict(client.decode_remote_config(rc))
        except Exception as exc:  # the client decodes JSON configs only
            status = client.update_remote_config_status(rc.config_hash, opamp_pb2.RemoteConfigStatuses_FAILED, str(exc))
            emit("remote_config", hash=digest, status="FAILED", error=str(exc))
            if status is not None:
                agent.send(client.build_remote_config_status_response_message(status))
            return
        client.update_effective_config(files, "application/json")
        status = client.update_remote_config_status(rc.config_hash, opamp_pb2.RemoteConfigStatuses_APPLIED)
        emit("remote_config", hash=digest, status="APPLIED", files=sorted(files))
        # A full state message carries the new effective config and the status.
        agent.send(client.build_full_state_message())
        del status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--service-name", default="python-agent")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    client = OpAMPClient(
        endpoint=args.endpoint,
        headers={"Authorization": f"Bearer {args.token}"},
        agent_identifying_attributes={"service.name": args.service_name},
        agent_non_identifying_attributes={"agent.implementation": "opentelemetry-opamp-client"},
    )
    client.update_effective_config({}, "application/json")
    agent = OpAMPAgent(interval=args.interval, callbacks=Callbacks(), client=client, max_retries=100, heartbeat_max_retries=100, initial_backoff=0.2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    agent.start()
    emit("started", instance_uid=client._instance_uid.hex())
    stop.wait()
    agent.stop(timeout=3)
    emit("stopped")
    sys.exit(0)


if __name__ == "__main__":
    main()
