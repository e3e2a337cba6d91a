/*
 * Relative mouse motion in the SDL window (grabbed, for games): host motion
 * in window points becomes guest pixels by the picture's on-screen scale, in
 * a 1:1 window, a scaled window, full screen with letterboxing and integer
 * scaling; fractions carry over so slow motion is not lost and nothing
 * drifts.
 */
#include <math.h>

#include "ui/sdl_window.h"
#include "unit.h"

static int move(double *acc, int steps, int rel, double scale)
{
	int sum = 0;
	for (int i = 0; i < steps; i++)
		sum += sdl_scale_rel(acc, rel, scale);
	return sum;
}

int main(void)
{
	CHECK(fabs(sdl_display_scale(640, 480, 640, 480, false) - 1.0) < 1e-9, "1:1 window");
	CHECK(fabs(sdl_display_scale(1280, 960, 640, 480, false) - 2.0) < 1e-9, "doubled window");
	/* 320x200 full screen on 1920x1080: height limits, 5.4x, bars left and right */
	CHECK(fabs(sdl_display_scale(1920, 1080, 320, 200, false) - 5.4) < 1e-9, "letterboxed full screen");
	CHECK(fabs(sdl_display_scale(1920, 1080, 320, 200, true) - 5.0) < 1e-9, "integer scaling: 5x");
	CHECK(fabs(sdl_display_scale(300, 200, 640, 480, true) - 200.0 / 480) < 1e-9,
	      "smaller than the picture: no integer rounding below 1");
	CHECK(sdl_display_scale(0, 0, 640, 480, false) == 1.0 && sdl_display_scale(640, 480, 0, 0, false) == 1.0,
	      "degenerate sizes give 1");

	double acc = 0;
	CHECK_EQ(move(&acc, 10, 7, 1.0), 70, "1:1 passes motion through");
	acc = 0;
	CHECK_EQ(move(&acc, 1, 1920 - 240, 5.4), 311, "across the shown picture is across the guest screen");
	acc = 0;
	/* one point at a time at 5.4x: every 5.4 points make a guest pixel, none lost */
	CHECK_EQ(move(&acc, 540, 1, 5.4), 100, "slow motion accumulates");
	acc = 0;
	int there = move(&acc, 37, 3, 2.5), back = move(&acc, 37, -3, 2.5);
	CHECK_EQ(there + back, 0, "there and back again: no drift");
	acc = 0;
	CHECK_EQ(move(&acc, 4, -1, 2.0), -2, "negative motion");
	acc = 0;
	CHECK_EQ(move(&acc, 3, 5, 0.5), 30, "a picture shown smaller than itself: motion grows");
	return UNIT_DONE();
}
