"""Test doubles shipped with blastwall: local stand-ins for provider APIs that speak their real
request and response shapes. The test suite and `blastwall demo` use them; so can yours."""
