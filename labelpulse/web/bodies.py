"""Request bodies, read with the size limit checked before and while reading."""

from __future__ import annotations

from fastapi import Request

from labelpulse.errors import TooLargeError


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 past the size limit (before reading it all)."""
    limit = int(request.app.state.settings.max_request_mb * 1024 * 1024)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"the request body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"the request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
