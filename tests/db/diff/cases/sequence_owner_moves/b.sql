-- A sequence whose owning column or table is dropped keeps living: its OWNED BY is released
-- before the drop (which would take it along), and moved to its new owner after.
CREATE TABLE public.tickets (code text);
CREATE SEQUENCE public.ticket_numbers;
CREATE TABLE public.orders (id bigint);
CREATE SEQUENCE public.order_numbers OWNED BY public.orders.id;
