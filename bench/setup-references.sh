#!/bin/sh
# Installs what bench/run.ts needs for its mpi4py and Python multiprocessing references
# (Debian/Ubuntu; run as root or with sudo). Without them `npm run bench` skips those
# references with a note. The raw zeromq.js reference needs only `npm install`.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y openmpi-bin libopenmpi-dev python3-mpi4py python3-numpy
/usr/bin/python3 -c "import mpi4py, numpy; print('mpi4py', mpi4py.__version__, 'numpy', numpy.__version__)"
mpirun --version | head -n 1
