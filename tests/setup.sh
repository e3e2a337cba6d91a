#!/bin/sh
# Installs the Debian packages vmstation builds and tests with, if missing.
# Safe to run again: it only calls apt-get when something is not installed.
set -e
PKGS="build-essential pkg-config nasm libsdl2-dev libvncserver-dev libpulse-dev
libreadline-dev libncurses-dev libpng-dev liblzma-dev libzstd-dev zlib1g-dev libdeflate-dev
seabios xorriso isolinux syslinux-common grub-rescue-pc busybox-static cpio
qemu-system-x86 xvfb x11-utils imagemagick xdotool tmux pulseaudio pulseaudio-utils
tigervnc-viewer tigervnc-tools socat sox kmod openbox qemu-utils qemu-system-gui
clang libclang-rt-14-dev python3 libslirp-dev ipxe-qemu tcpdump"
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
exit 0
