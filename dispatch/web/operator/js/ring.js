// @ts-check
// The ring of an offered call: a two-tone beep every 1.5 s, made with WebAudio (no files).

let context = null;
let timer = null;

/** Create the audio context inside a user gesture (sign-in), as browsers require. */
export function unlockAudio() {
  try {
    context = context || new AudioContext();
    if (context.state === "suspended") context.resume();
  } catch {
    context = null; // no audio device: the visual ring still works
  }
}

function beep() {
  if (!context) return;
  const start = context.currentTime;
  for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.24);
  }
}

/** Ring until stopRinging(). */
export function startRinging() {
  if (timer) return;
  beep();
  timer = setInterval(beep, 1500);
}

export function stopRinging() {
  clearInterval(timer);
  timer = null;
}

export function isRinging() {
  return timer !== null;
}
