"""The public catalog: its pages' HTTP validators, capped paging, the search, and the
live price and stock stream any visitor's page follows."""
