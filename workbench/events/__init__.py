"""Events from other systems (埋点): their contract, the intake and its inbox, the automatic
rules that repair leads, and the delivery of the outbox to the people concerned."""
