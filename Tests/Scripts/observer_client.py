#!/usr/bin/env python3
"""A gRPC client from outside the Swift code, for flowtrail's Observer API tests.

Generates Python stubs from the project's Protos/ with grpcio-tools (in a temporary folder),
then runs the calls named on the command line against 127.0.0.1:PORT and prints one JSON
object with what came back:

  observer_client.py PORT [--token T] [--http PORT | --push-command CMD] CALL...

CALLs: health, status, nodes, namespaces, flows:<GetFlowsRequest JSON>,
       follow:<GetFlowsRequest JSON>:<file of flow lines to POST to --http>:<expected count>
       (POSTs the file once the first response came; with --push-command, runs CMD with the
       file as its last argument instead: a store other processes write, such as ClickHouse),
       cancel:<GetFlowsRequest JSON> (starts a stream, reads one response, cancels).
"""
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    import grpc
    from google.protobuf import json_format

    args = sys.argv[1:]
    port = int(args.pop(0))
    token = None
    http_port = None
    push_command = None
    while args and args[0].startswith("--"):
        flag = args.pop(0)
        if flag == "--token":
            token = args.pop(0)
        elif flag == "--http":
            http_port = int(args.pop(0))
        elif flag == "--push-command":
            push_command = json.loads(args.pop(0))
    out = tempfile.mkdtemp(prefix="flowtrail-stubs-")
    protos = ["flow/flow.proto", "observer/observer.proto", "relay/relay.proto", "grpc/health/v1/health.proto"]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "Protos"),
                    "--python_out=" + out, "--grpc_python_out=" + out] + protos, check=True)
    # The generated health module lives under a package named grpc: load it by path so it does
    # not shadow grpcio's own package.
    sys.path.insert(0, out)
    observer_pb2 = importlib.import_module("observer.observer_pb2")
    observer_grpc = importlib.import_module("observer.observer_pb2_grpc")
    spec = importlib.util.spec_from_file_location("health_pb2", os.path.join(out, "grpc/health/v1/health_pb2.py"))
    health_pb2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(health_pb2)

    metadata = [("authorization", "Bearer " + token)] if token else []
    channel = grpc.insecure_channel("127.0.0.1:%d" % port)
    stub = observer_grpc.ObserverStub(channel)
    results = []

    def as_json(message):
        return json_format.MessageToDict(message, preserving_proto_field_name=True)

    def request_of(text):
        return json_format.Parse(text, observer_pb2.GetFlowsRequest())

    for call in args:
        kind, _, rest = call.partition(":")
        try:
            if kind == "health":
                check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                            response_deserializer=health_pb2.HealthCheckResponse.FromString)
                r = check(health_pb2.HealthCheckRequest(service="hubble.server.Observer"), metadata=metadata, timeout=12)
                results.append({"call": call, "status": health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)})
            elif kind == "status":
                results.append({"call": call, "response": as_json(stub.ServerStatus(observer_pb2.ServerStatusRequest(), metadata=metadata, timeout=12))})
            elif kind == "nodes":
                results.append({"call": call, "response": as_json(stub.GetNodes(observer_pb2.GetNodesRequest(), metadata=metadata, timeout=12))})
            elif kind == "namespaces":
                results.append({"call": call, "response": as_json(stub.GetNamespaces(observer_pb2.GetNamespacesRequest(), metadata=metadata, timeout=12))})
            elif kind == "flows":
                responses = [as_json(r) for r in stub.GetFlows(request_of(rest), metadata=metadata, timeout=120)]
                results.append({"call": call, "responses": responses})
            elif kind == "follow":
                request_text, _, tail = rest.rpartition(":")
                request_text, _, lines_file = request_text.rpartition(":")
                expected = int(tail)
                stream = stub.GetFlows(request_of(request_text), metadata=metadata, timeout=120)
                got = []

                def push():
                    if push_command:
                        subprocess.run(push_command + [lines_file], check=True, stdout=subprocess.DEVNULL)
                        return
                    body = open(lines_file, "rb").read()
                    urllib.request.urlopen(urllib.request.Request(
                        "http://127.0.0.1:%d/api/v1/ingest" % http_port, data=body, method="POST",
                        headers={"Content-Type": "application/x-ndjson"}), timeout=30).read()

                # The request asks for the newest flow first: once it came, the server is
                # following, and the flows pushed now must all come.
                for r in stream:
                    got.append(as_json(r))
                    if len(got) == 1:
                        threading.Thread(target=push, daemon=True).start()
                    if len(got) >= expected:
                        break
                stream.cancel()
                results.append({"call": call, "responses": got})
            elif kind == "cancel":
                stream = stub.GetFlows(request_of(rest), metadata=metadata, timeout=120)
                first = next(stream)
                stream.cancel()
                results.append({"call": call, "first": as_json(first)})
            else:
                raise SystemExit("unknown call " + call)
        except grpc.RpcError as e:
            results.append({"call": call, "error": e.code().name, "message": e.details()})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
