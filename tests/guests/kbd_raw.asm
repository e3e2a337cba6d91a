; kbd_raw: kbd_xlate with translation off, so the guest sees scan set 2.
%define RAW 1
%include "kbd_xlate.asm"
