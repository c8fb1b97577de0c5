"""The certificate authorities a connection to the proxy is verified against (``sslrootcert``).

RDS Proxy presents an ACM certificate that chains to Amazon's public roots, which the operating
system's bundle of the Lambda runtime carries: no RDS bundle to download.
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls
"""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
from typing import Mapping, Optional

from .contract import ConfigurationError

# Amazon Linux 2023 (the Lambda Python runtimes' OS), then Debian/Ubuntu and Alpine.
_SYSTEM_BUNDLES = ("/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem")


def _base_bundle(env: Mapping[str, str]) -> str:
    configured = env.get("SSL_CERT_FILE")
    if configured:
        if not os.path.isfile(configured):
            raise ConfigurationError("SSL_CERT_FILE names a file that does not exist")
        return configured
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, *_SYSTEM_BUNDLES):
        if candidate and os.path.isfile(candidate):
            return candidate
    raise ConfigurationError("no CA bundle found: set SSL_CERT_FILE to a PEM file of trusted certificate authorities")


def ca_file(env: Optional[Mapping[str, str]] = None) -> str:
    """Path of the PEM file to verify the server against: ``SSL_CERT_FILE`` (OpenSSL's variable)
    or the system bundle, plus the certificates of ``NODE_EXTRA_CA_CERTS`` when that is set (the
    variable Lambda documents for extra CAs, and the one the local stack points at its
    throwaway CA) in a combined file under the temporary directory."""
    env = os.environ if env is None else env
    base = _base_bundle(env)
    extra = env.get("NODE_EXTRA_CA_CERTS")
    if not extra or not os.path.isfile(extra):
        return base
    with open(base, "rb") as f:
        combined = f.read().rstrip(b"\n") + b"\n"
    with open(extra, "rb") as f:
        combined += f.read()
    path = os.path.join(tempfile.gettempdir(), f"slp-ca-{hashlib.sha256(combined).hexdigest()[:16]}.pem")
    if not os.path.isfile(path):
        fd, tmp = tempfile.mkstemp(dir=tempfile.gettempdir(), suffix=".pem")
        with os.fdopen(fd, "wb") as f:
            f.write(combined)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the whole file or none
    return path
