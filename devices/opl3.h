/*
 * Yamaha YMF262 (OPL3) FM synthesiser, OPL2 (YM3812/AdLib) compatible.
 *
 * opl3_synth.c is the chip: 36 operators, 18 channels (2-op and 4-op),
 * rhythm mode, tremolo/vibrato, envelopes, 8 waveforms, rendered at the
 * chip's own rate (14.318 MHz / 288 = 49716 Hz). opl3.c is the device: ports
 * 0x388-0x38B (and base+0..3, +8/9 of the Sound Blaster), the two timers and
 * the status register that AdLib detection reads.
 */
#ifndef VMST_OPL3_H
#define VMST_OPL3_H

#include <stdbool.h>
#include <stdint.h>

#define OPL3_RATE 49716

struct opl3_chip;
struct opl3;
struct vm;
struct audio_voice;

struct opl3_chip *opl3_chip_new(void);
void opl3_chip_free(struct opl3_chip *c);
void opl3_chip_reset(struct opl3_chip *c);
/* reg: 0x000-0x0FF bank 0, 0x100-0x1FF bank 1. Returns true on a key-on. */
bool opl3_chip_write(struct opl3_chip *c, unsigned reg, uint8_t v);
/* Render frames of S16 stereo; returns false if every operator is silent. */
bool opl3_chip_render(struct opl3_chip *c, int16_t *stereo, unsigned frames);

/* The VM's OPL3, or NULL without one. */
struct opl3 *opl3_of(struct vm *vm);
/* The device's FM voice (the SB16 mixer scales it with its FM volume). */
struct audio_voice *opl3_voice(struct opl3 *o);

#endif
