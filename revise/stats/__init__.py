"""Statistics of the review log and the schedules: what they say (model), how (compute), drawn (plots)."""
