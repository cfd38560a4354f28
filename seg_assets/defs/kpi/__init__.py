"""What reads the segments: segment marts, KPI marts, their checks and charts."""
