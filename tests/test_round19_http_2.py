"""Provider API requests blastwall did not read as requests: PowerShell's HTTP cmdlets, restores in place,
Route53 change batches, the MongoDB Atlas Data API, GitHub file overwrites, Stripe item removals and Fly
GraphQL mutations. Each class is a table of everyday calls that pass and the look-alikes an agent that
wants the destructive action would try next, which are still asked."""

from __future__ import annotations

import pytest

from verdicts import decide


def _http(method: str, url: str, body: object = None, **headers: str) -> dict[str, object]:
    out: dict[str, object] = {"method": method, "url": url, "headers": headers or {"Content-Type": "application/json"}}
    if body is not None:
        out["body"] = body
    return out


# ---- PowerShell HTTP cmdlets (analyze/shell/pwsh_http.py) -----------------------------------------

ARM = "https://management.azure.com/subscriptions/$sub/resourcegroups/rg-prod?api-version=2021-04-01"
GH = "https://api.github.com/repos/acme/api"
PWSH_SAFE = [
    f'Invoke-RestMethod -Uri "{ARM}" -Headers @{{Authorization="Bearer $token"}}',
    f'irm "{GH}/issues" -Headers @{{Authorization = "Bearer $t"}}',
    f'Invoke-WebRequest -Uri "{GH}/releases/latest" -OutFile rel.json',
    f'$r = Invoke-RestMethod -Method Get -Uri "{GH}/pulls"',
    f'Invoke-RestMethod -Method Post -Uri "{GH}/issues" -Body (@{{title="bug"; body="x"}} | ConvertTo-Json) '
    '-ContentType "application/json"',
    f"iwr -Method POST -Uri {GH}/issues -Body '{{\"title\": \"flaky test\"}}'",
    'Invoke-RestMethod https://api.stripe.com/v1/customers -Headers @{Authorization="Bearer $k"}',
    f'Invoke-RestMethod -Uri "{ARM}" | ConvertTo-Json',
]
PWSH_ASKED = [
    f'Invoke-RestMethod -Method Delete -Uri "{ARM}" -Headers @{{Authorization="Bearer $token"}}',
    f'invoke-restmethod -method delete -uri "{ARM}"',
    f'INVOKE-RESTMETHOD -METHOD DELETE "{ARM}"',
    f'irm -Me Delete "{ARM}"',
    f'irm -Method:Delete -Uri:"{ARM}"',
    f'iwr -CustomMethod DELETE -Uri "{ARM}"',
    f'Invoke-WebRequest -UseBasicParsing -Method Delete "{ARM}"',
    f'Invoke-RestMethod -Method Delete -Uri "{ARM}" | Out-Null',
    f'$null = Invoke-RestMethod -Method Delete -Uri "{ARM}"',
    f'Invoke-RestMethod -Method Delete -Uri "{GH}"',
    'Invoke-RestMethod -Method Post -Uri https://api.stripe.com/v1/customers/cus_1/delete',
    'irm -Method Delete -Uri https://api.stripe.com/v1/customers/cus_123',
    f'Invoke-RestMethod -Method Put -Uri "{GH}/branches/main/protection" -Body $payload',
    f'Invoke-RestMethod -Method Delete -Uri "{GH}/git/refs/heads/main"',
    "Invoke-RestMethod -Method Post -Uri http://localhost:9200/logs-*/_delete_by_query "
    "-Body (ConvertTo-Json @{ query = @{ match_all = @{} } }) -ContentType application/json",
    f'Invoke-RestMethod -Method Post -Uri "{GH}/contents/x" -InFile body.json',
]


@pytest.mark.parametrize("line", PWSH_SAFE)
def test_powershell_everyday_requests_pass(line: str) -> None:
    assert decide(line, "shell") == "allow", line


@pytest.mark.parametrize("line", PWSH_ASKED)
def test_powershell_destructive_requests_are_asked(line: str) -> None:
    assert decide(line, "shell") != "allow", line
