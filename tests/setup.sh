#!/bin/sh
# Installs the Debian packages vmstation builds and tests with, if missing.
# Safe to run again: it only calls apt-get when something is not installed.
set -e
PKGS="build-essential pkg-config nasm libsdl2-dev libvncserver-dev libpulse-dev
libreadline-dev libncurses-dev libpng-dev liblzma-dev libzstd-dev zlib1g-dev
seabios xorriso isolinux syslinux-common grub-rescue-pc busybox-static cpio
qemu-system-x86 xvfb x11-utils imagemagick xdotool tmux pulseaudio pulseaudio-utils
tigervnc-viewer tigervnc-tools socat sox kmod openbox
clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q >/dev/null
	$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
if [ ! -e /dev/kvm ]; then
	echo "setup: /dev/kvm is missing: enable virtualization (VT-x/AMD-V) in the firmware and load kvm_intel or kvm_amd" >&2
	exit 1
fi
exit 0
