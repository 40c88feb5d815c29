"""One module per RMS area; each holds a mixin of :class:`~..state.RmsSandbox`."""
