/**
 * The bench's data, made through the API like any client would: products with searchable names,
 * a product with plenty of stock for checkout, and customers with access tokens.
 */
import { randomUUID } from "node:crypto";

export const ADMIN = { email: "bench-admin@bazaar.test", password: "bench-admin-password" };

const ADJECTIVES = ["amber", "brisk", "cosy", "dusky", "eager", "fuzzy", "gentle", "hardy", "icy", "jolly", "keen", "lush", "mellow", "nimble", "olive", "plush", "quiet", "rustic", "sunny", "tidy"];
const NOUNS = ["anchor", "basket", "candle", "drum", "easel", "fiddle", "globe", "hammock", "inkwell", "jug", "kettle", "lantern", "mirror", "notebook", "oar", "pillow", "quilt", "rug", "satchel", "teapot"];
/** What the search scenario asks for: each word matches about a twentieth of the products. */
export const SEARCH_WORDS = [...NOUNS.slice(0, 10), ...ADJECTIVES.slice(0, 5).map((word) => word.slice(0, 3))];

export async function api<T = any>(baseUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function expect<T>(answer: Promise<{ status: number; body: T }>, status: number, what: string): Promise<T> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`${what}: expected ${status}, got ${got} ${JSON.stringify(body)}`);
  return body;
}

export async function adminToken(baseUrl: string): Promise<string> {
  return (await expect(api(baseUrl, "POST", "/v1/auth/login", ADMIN), 200, "admin login")).accessToken as string;
}

/** Runs `work` for 0..count-1 with at most `parallel` at a time. */
async function inParallel(count: number, parallel: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await work(next++);
  }));
}

/** Adds `count` products; returns their ids. */
export async function seedProducts(baseUrl: string, count: number): Promise<string[]> {
  const token = await adminToken(baseUrl);
  const ids: string[] = [];
  const run = randomUUID().slice(0, 6);
  await inParallel(count, 16, async (i) => {
    const adjective = ADJECTIVES[i % ADJECTIVES.length] as string;
    const noun = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length] as string;
    const product = await expect(api(baseUrl, "POST", "/v1/products", {
      sku: `B-${run}-${i}`,
      name: `${adjective} ${noun} ${i}`,
      description: `A ${adjective} ${noun}, made for the bench. Number ${i} of ${count}.`,
      priceCents: 100 + (i % 9_900),
      currency: "EUR",
      category: `category-${i % 10}`,
    }, token), 201, "create product");
    ids.push(product.id as string);
  });
  return ids;
}

/** A product to buy, with `units` in stock. */
export async function stockedProduct(baseUrl: string, units: number): Promise<string> {
  const token = await adminToken(baseUrl);
  const product = await expect(api(baseUrl, "POST", "/v1/products", { sku: `CHECKOUT-${randomUUID().slice(0, 8)}`, name: "Checkout bench product", priceCents: 1_000, currency: "EUR" }, token), 201, "create product");
  await expect(api(baseUrl, "PUT", `/v1/inventory/${product.id}`, { available: units }, token), 200, "set stock");
  return product.id as string;
}

export const customerEmail = (i: number) => `bench-customer-${i}@bazaar.test`;
const CUSTOMER_PASSWORD = "bench customer password";

/** Signs in `count` customers (registering those that do not exist yet); returns their tokens. */
export async function customerTokens(baseUrl: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  await inParallel(count, 4, async (i) => {
    await api(baseUrl, "POST", "/v1/auth/register", { email: customerEmail(i), password: CUSTOMER_PASSWORD, name: `Customer ${i}` });
    const login = await expect(api(baseUrl, "POST", "/v1/auth/login", { email: customerEmail(i), password: CUSTOMER_PASSWORD }), 200, "customer login");
    tokens[i] = login.accessToken as string;
  });
  return tokens;
}
