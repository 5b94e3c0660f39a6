/**
 * The package's main entry (`jpki-mobile`): the relying-party SDK, also published as `jpki-mobile/sdk`.
 * The rest of the project (card, services, CLI) is run as applications, not imported by third parties.
 */
export * from './sdk/index.js';
