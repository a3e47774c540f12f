"""CipherLens training: PyTorch models trained on encrypted-image tensors exported by the TypeScript engine."""

import os

# Must be set before torch loads libgomp. Busy-waiting OpenMP threads make training 10-20x slower whenever another
# process shares the two cores (measured on the dev VMs); passive waiting costs little when the machine is idle.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
