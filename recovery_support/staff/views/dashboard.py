"""The dashboard: a month of figures with server-drawn bar charts."""
from aiohttp import web

from recovery_support.staff.charts import column_chart, row_chart
from recovery_support.staff.dashboard import stats
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import requires
from recovery_support.staff.rendering import render
from recovery_support.staff.roles import VIEW_DASHBOARD
from recovery_support.staff.views.common import log


@requires(VIEW_DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    figures = await run_db(stats, request.app["engine"])
    await log(request, "view_dashboard", "dashboard")
    return render(request, "dashboard.html", title="Dashboard", s=figures,
                  per_day=column_chart(figures["per_day"]), intents=row_chart(figures["top_intents"]))
