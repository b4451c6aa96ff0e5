"""Template helpers of the support pages: durations as people read them."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as "2 d 3 h", "3 h 05 min" or "12 min" (sign ignored; the page says overdue or left)."""
    try:
        seconds = abs(int(seconds))
    except (TypeError, ValueError):
        return ""
    minutes = seconds // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"
