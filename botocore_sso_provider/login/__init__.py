"""Interactive logins and logouts, without the AWS CLI v2.

One concept per module: ``registration`` (the client registration, reused by
grant type), ``device_code`` and ``pkce`` (the two flows), ``listener`` (the
loopback redirect listener), ``browser`` (choosing the flow and opening the
browser), ``vanity`` (vanity start URLs), ``single_flight`` (one login for
many processes), ``log_in`` (all of it in order), ``logout`` and
``on_demand`` (the provider's opt-in login).
"""

from __future__ import annotations

from .browser import FlowChoice, Host, choose_flow
from .device_code import DeviceCodeLogin
from .log_in import LoginOutcome, LoginRequest, log_in
from .logout import LogoutReport, log_out, log_out_everywhere
from .pkce import PKCELogin
from .registration import Registration, registration_cache_key

__all__ = [
    "DeviceCodeLogin",
    "FlowChoice",
    "Host",
    "LoginOutcome",
    "LoginRequest",
    "LogoutReport",
    "PKCELogin",
    "Registration",
    "choose_flow",
    "log_in",
    "log_out",
    "log_out_everywhere",
    "registration_cache_key",
]
