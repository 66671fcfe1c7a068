/** The catalogue the Shop API seeds; the load generator picks from the same ranges. */
export const PRODUCT_COUNT = 200;
export const CATEGORIES = ['tools', 'fasteners', 'bearings', 'electrics', 'paint', 'safety', 'hydraulics', 'storage'];
/** Card numbers the payment provider declines (402) or fails on (502). */
export const DECLINED_CARD = '4000000000000002';
export const PROVIDER_ERROR_CARD = '4000000000000119';
/** Every 25th product is out of stock (adding it to a cart answers 409). */
export const OUT_OF_STOCK_EVERY = 25;
