"""Reading a sweep: outcome rates per design point, sensitivity indices, scenario discovery, figures."""
