"""How a citizen's browser talks to the rating page, for the HTTP tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from litestar.testing import TestClient

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(html: str) -> str:
    match = FORM_TOKEN.search(html)
    assert match, "the page has no rating form"
    return match.group(1)


def errors_on(html: str) -> list[str]:
    return re.findall(r'<p class="error" id="[\w-]+">([^<]+)</p>', html)


@dataclass
class Citizen:
    client: TestClient
    token: str

    def open_form(self, **params: str) -> str:
        response = self.client.get(f"/r/{self.token}", params=params)
        assert response.status_code == 200, response.text
        return form_token(response.text)

    def submit(self, form: str, follow_redirects: bool = False, **fields: str):
        return self.client.post(
            f"/r/{self.token}", data={"form_token": form, **fields}, follow_redirects=follow_redirects
        )

    def switch_phone(self) -> None:
        """Another citizen: no device cookie, no language choice."""
        self.client.cookies.clear()

    def rate(self, overall: str = "4", **fields: str):
        return self.submit(self.open_form(), overall=overall, **fields)
