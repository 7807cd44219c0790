// Placeholder until the page lands.
export {};
