CREATE TABLE public.tickets (id bigint);
CREATE SEQUENCE public.ticket_numbers OWNED BY public.tickets.id;
CREATE TABLE public.old_orders (id bigint);
CREATE SEQUENCE public.order_numbers OWNED BY public.old_orders.id;
