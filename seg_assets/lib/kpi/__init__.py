"""KPI maths: control limits for alerts and bootstrap intervals of segment differences."""
