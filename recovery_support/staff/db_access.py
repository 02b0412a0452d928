"""Database calls from request handlers run in worker threads, so a slow query never stalls other pages."""
import asyncio
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


async def run_db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(function, *args, **kwargs))
