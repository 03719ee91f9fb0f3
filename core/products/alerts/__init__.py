"""Stock alerts and the figures around them: the alert kinds (pure), the shop's rules,
margins, which products have open alerts, and the stock counters the feed shows."""
