"""One Codex's official client's upload strategy, as a bench baseline (bench/official.ts runs it).

Uploads one file the way One Codex's CLI (the `onecodex` Python package) does:
init_multipart_upload on the API (HTTP Basic auth, the API key as user name) -> boto3's
`upload_fileobj` of the file to the bucket and key it hands out, with the temporary keys, part
size = the smallest of 10, 20, ... 100 MiB that keeps the file under 10,000 parts,
`use_threads=False` (so one part after the other, on one connection) and
`ServerSideEncryption: AES256` -> one POST to the `callback_url` it handed out, which answers
with the sample id.

Written for the bench, not taken from the client: it only follows the same strategy.

Differences that do not change the strategy, all in the baseline's favour:
- `request_checksum_calculation="when_required"`: recent botocore would otherwise send each part
  as an aws-chunked body with a CRC32 trailer, which the sink refuses as radosgw does.
- `payload_signing_enabled=False`: over plain http (the sink is on loopback) botocore would
  SHA-256 every part before sending it; over https to S3 it does not.
- No progress bar is drawn; the byte callback boto3 calls per chunk only adds the bytes up.

Nothing may leave loopback: explicit credentials (no credential chain, no instance metadata),
no config files (the caller sets AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE to /dev/null
and AWS_EC2_METADATA_DISABLED=true), an explicit region and endpoint, and every name lookup or
connection to anything but 127.0.0.1 raises before a packet is sent.

Usage: python3 official-client.py API_URL S3_ENDPOINT FILE   (API key in BENCH_API_KEY)
Prints one JSON line: {"sample_id", "part_size", "parts", "bytes_sent"}.
"""

import base64
import json
import math
import os
import socket
import sys
import urllib.request

MIB = 1024 * 1024
LOOPBACK = "127.0.0.1"


def loopback_only():
    """Refuses every name lookup and connection that is not to 127.0.0.1."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if host not in (LOOPBACK, "localhost", b"127.0.0.1"):
            raise OSError(f"bench: lookup of {host!r} refused (loopback only)")
        return real_getaddrinfo(LOOPBACK, *args, **kwargs)

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] != LOOPBACK:
            raise OSError(f"bench: connection to {address!r} refused (loopback only)")
        return real_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect


def part_size_for(size):
    """The smallest of 10, 20, ... 100 MiB that cuts `size` bytes into fewer than 10,000 parts."""
    for mib in range(10, 101, 10):
        if math.ceil(size / (mib * MIB)) < 10_000:
            return mib * MIB
    raise SystemExit(f"{size} bytes need more than 10,000 parts of 100 MiB")


def api_post(api, api_key, path, body):
    token = base64.b64encode(f"{api_key}:".encode()).decode()
    request = urllib.request.Request(
        api.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        return json.loads(response.read())


def main():
    api, endpoint, path = sys.argv[1:4]
    api_key = os.environ["BENCH_API_KEY"]
    loopback_only()

    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    filename = os.path.basename(path)
    size = os.path.getsize(path)
    fields = api_post(api, api_key, "/api/v1/samples/init_multipart_upload", {"filename": filename})

    client = boto3.session.Session().client(
        "s3",
        aws_access_key_id=fields["upload_aws_access_key_id"],
        aws_secret_access_key=fields["upload_aws_secret_access_key"],
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(
            s3={"addressing_style": "path", "payload_signing_enabled": False},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            proxies={},
        ),
    )
    part_size = part_size_for(size)
    transfer = TransferConfig(use_threads=False, multipart_chunksize=part_size)
    sent = [0]

    def progress(count):
        sent[0] += count

    with open(path, "rb") as handle:
        client.upload_fileobj(
            handle,
            fields["s3_bucket"],
            fields["file_id"],
            ExtraArgs={"ServerSideEncryption": "AES256"},
            Config=transfer,
            Callback=progress,
        )

    answer = api_post(
        api,
        api_key,
        fields["callback_url"],
        {"s3_path": f"s3://{fields['s3_bucket']}/{fields['file_id']}", "filename": filename},
    )
    print(
        json.dumps(
            {
                "sample_id": answer.get("sample_id"),
                "part_size": part_size,
                "parts": math.ceil(size / part_size),
                "bytes_sent": sent[0],
            }
        )
    )


if __name__ == "__main__":
    main()
