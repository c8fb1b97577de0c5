"""The construct's environment contract, as ``src/contract.ts`` defines it for the TypeScript
helpers (a test reads that file and checks these names against it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional


class ENV:  # noqa: N801 - the same name as the contract's constant
    """Names of the environment variables the construct sets on the function."""

    DB_HOST = "DB_HOST"
    DB_PORT = "DB_PORT"
    DB_NAME = "DB_NAME"
    DB_SECRET_ARN = "DB_SECRET_ARN"
    DB_USER = "DB_USER"
    DB_AUTH_MODE = "DB_AUTH_MODE"
    CLERK_JWT_KEY = "CLERK_JWT_KEY"
    CLERK_SECRET_KEY_ARN = "CLERK_SECRET_KEY_ARN"
    CLERK_AUTHORIZED_PARTIES = "CLERK_AUTHORIZED_PARTIES"
    CLERK_API_URL = "CLERK_API_URL"
    CLERK_ISSUER = "CLERK_ISSUER"
    CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
    FUNCTION_TIMEOUT_MS = "FUNCTION_TIMEOUT_MS"


class DB_AUTH_MODES:  # noqa: N801
    """Values of ``DB_AUTH_MODE``."""

    PASSWORD = "password"
    IAM = "iam"


DEFAULT_DB_PORT = 5432
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 10


class ConfigurationError(Exception):
    """The environment does not describe a usable configuration (a deployment mistake)."""


def value(env: Mapping[str, str], name: str) -> Optional[str]:
    """The variable trimmed, or None when unset or blank."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def parse_list(raw: Optional[str]) -> list[str]:
    """A comma-separated list, entries trimmed, empty ones dropped."""
    return [s.strip() for s in (raw or "").split(",") if s.strip()]


@dataclass(frozen=True)
class DbConfig:
    """Database settings read from the construct's environment."""

    host: str
    port: int
    database: str
    auth_mode: str
    secret_arn: Optional[str]
    user: Optional[str]
    region: Optional[str]

    @staticmethod
    def from_env(env: Optional[Mapping[str, str]] = None) -> "DbConfig":
        """Read and check the settings; raises ConfigurationError naming what is missing."""
        env = os.environ if env is None else env
        host = value(env, ENV.DB_HOST)
        if not host:
            raise ConfigurationError(f"{ENV.DB_HOST} is not set")
        port_raw = value(env, ENV.DB_PORT)
        try:
            port = DEFAULT_DB_PORT if port_raw is None else int(port_raw)
        except ValueError:
            port = 0
        if not 0 < port <= 65535:
            raise ConfigurationError(f"{ENV.DB_PORT} must be a TCP port number")
        mode = (value(env, ENV.DB_AUTH_MODE) or DB_AUTH_MODES.PASSWORD).lower()
        secret_arn = value(env, ENV.DB_SECRET_ARN)
        user = value(env, ENV.DB_USER)
        region = value(env, "AWS_REGION") or value(env, "AWS_DEFAULT_REGION")
        if mode == DB_AUTH_MODES.PASSWORD:
            if not secret_arn:
                raise ConfigurationError(
                    f"{ENV.DB_SECRET_ARN} is required when {ENV.DB_AUTH_MODE}={DB_AUTH_MODES.PASSWORD}")
        elif mode == DB_AUTH_MODES.IAM:
            if not user:
                raise ConfigurationError(f"{ENV.DB_USER} is required when {ENV.DB_AUTH_MODE}={DB_AUTH_MODES.IAM}")
            if not region:
                raise ConfigurationError(f"AWS_REGION is required when {ENV.DB_AUTH_MODE}={DB_AUTH_MODES.IAM}")
        else:
            raise ConfigurationError(
                f"{ENV.DB_AUTH_MODE} must be '{DB_AUTH_MODES.PASSWORD}' or '{DB_AUTH_MODES.IAM}'")
        return DbConfig(host, port, value(env, ENV.DB_NAME) or "postgres", mode, secret_arn, user, region)
