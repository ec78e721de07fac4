/** Route options of every staff page: HTML only, left out of the API's OpenAPI document. */
export const STAFF_PAGE = { schema: { hide: true } };
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
