export { createDesktopGateway, type DesktopGateway, type DesktopGatewayOptions, type DesktopServer, type PopDelivery } from './gateway.js';
export type { GatewayEvents } from './gateway-events.js';
export { MemoryPopStore, type PopStore } from './pop-store.js';
export { desktopAssets, DESKTOP_ASSETS_DIR } from './static-assets.js';
export { AUTH_ERROR_CODES } from './auth.js';
export * from './contract.js';
export { buildWallboard, type WallboardInput } from './wallboard.js';
