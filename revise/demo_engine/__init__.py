"""The demo engine: demo specs, the registry of demo modules, running them and drawing their figures."""
