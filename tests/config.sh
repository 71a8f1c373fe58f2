# SPDX-License-Identifier: GPL-2.0
# The guest kernels the suite boots by default: Debian 12 kernel ABIs from
# bookworm's main archive.  This is the one place they are pinned; KVER and
# KVER2 in the environment override them.
: "${KVER:=6.1.0-50-amd64}"
# A second, different ABI for the DKMS auto-rebuild test.
: "${KVER2:=6.1.0-47-amd64}"
