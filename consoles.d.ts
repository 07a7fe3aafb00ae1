// What the consoles put on `window` for the browser tests and for support staff in devtools
// (tsconfig.json: checked with the consoles' modules).

interface Window {
  dispatchQa: object;
  dispatchProtocols: object;
  supervisorConsole: object;
  dispatchConsole: object;
  dispatchAnalytics: object;
  dispatchTraining: object;
}
